import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { joinAnnexB, splitAnnexB } from "../../../src/codecs/h264/annexb.ts";
import { MAX_NALS_PER_ACCESS_UNIT } from "../../../src/codecs/h264/limits.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { FLV_1080P, FLV_BBB } from "../../flv/flv-fixtures.ts";
import { avcFromFlv, ffmpeg, ffprobeH264, x264 } from "./h264-samples.ts";

const test = suite("codecs/h264/annexb");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const cases: { name: string; stream: string; nalus: string[] }[] = [
  { name: "4-byte start codes", stream: "00000001 6742 00000001 68ce", nalus: ["6742", "68ce"] },
  { name: "3-byte start codes", stream: "000001 6742 000001 68ce", nalus: ["6742", "68ce"] },
  { name: "mixed, with leading_zero_8bits", stream: "0000 00000001 6742 000001 68ce 00000001 65888001", nalus: ["6742", "68ce", "65888001"] },
  { name: "trailing_zero_8bits after a NAL unit are dropped", stream: "000001 6742 0000 000001 68ce 000000", nalus: ["6742", "68ce"] },
  { name: "empty NAL units between start codes are skipped", stream: "000001 000001 00000001 6742", nalus: ["6742"] },
  { name: "a 00 00 02 inside a NAL unit is not a start code", stream: "000001 65 000002 01", nalus: ["6500000201"] },
  { name: "only zeros", stream: "00000000", nalus: [] },
  { name: "nothing", stream: "", nalus: [] },
];

for (const c of cases) {
  test(`splitAnnexB: ${c.name}`, () => {
    const input = h(c.stream);
    const copy = input.slice();
    assert.equal(splitAnnexB(input).map(hex), c.nalus);
    assert.equal(input, copy, "input unchanged");
  });
}

const bad: { name: string; stream: Uint8Array; code: string }[] = [
  { name: "no start code at all", stream: h("6742c01f"), code: "ERR_H264_ANNEXB_NO_START_CODE" },
  { name: "bytes before the first start code", stream: h("ff 000001 6742"), code: "ERR_H264_ANNEXB_NO_START_CODE" },
  { name: `more than ${MAX_NALS_PER_ACCESS_UNIT} NAL units`, stream: joinAnnexB(Array.from({ length: MAX_NALS_PER_ACCESS_UNIT + 1 }, () => h("0901"))), code: "ERR_H264_TOO_MANY_NALS" },
];
for (const c of bad) {
  test(`splitAnnexB refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => splitAnnexB(c.stream), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("every access unit of both FLV fixtures survives joinAnnexB then splitAnnexB", () => {
  let count = 0;
  for (const name of [FLV_1080P, FLV_BBB]) {
    for (const au of avcFromFlv(name).accessUnits) {
      assert.equal(splitAnnexB(joinAnnexB(au)).map(hex), au.map(hex));
      count++;
    }
  }
  assert.is(count, 75 + 812);
});

test("joinAnnexB writes a 4-byte start code before each NAL unit", () => {
  assert.equal(hex(joinAnnexB([h("6742"), h("68")])), "000000016742" + "0000000168");
  assert.is(joinAnnexB([]).length, 0);
});

test("fuzzed Annex-B streams raise only ParseError, and what splits re-joins to the same NAL units", () => {
  const inputs = avcFromFlv(FLV_BBB).accessUnits.slice(0, 8).map(joinAnnexB);
  const report = runFuzz("h264-annexb", {
    seed: 0x41b,
    count: 3000,
    inputs,
    check: (bytes) => {
      const nalus = splitAnnexB(bytes);
      assert.equal(splitAnnexB(joinAnnexB(nalus)).map(hex), nalus.map(hex));
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 0, "fuzzing reached both outcomes");
});

test.run();

const e2e = e2eSuite("codecs/h264/annexb vs ffmpeg", ["ffmpeg", "ffprobe"]);

e2e("the 1080p fixture re-framed as Annex-B decodes in ffmpeg with no errors, all 75 frames", () => {
  const { sps, pps, accessUnits } = avcFromFlv(FLV_1080P);
  const stream = joinAnnexB([sps, pps, ...accessUnits.flat()]);
  const errors = ffmpeg(["-v", "error", "-f", "h264", "-i", "-", "-f", "null", "-"], stream);
  assert.is(errors, "");
  const probe = ffprobeH264(stream);
  assert.is(probe.frames, 75);
  assert.is(probe.width, 1920);
});

e2e("a libx264 Annex-B stream splits into SPS and PPS before each IDR and one slice per frame", () => {
  const nalus = splitAnnexB(x264("320x240", 10, ["-profile:v", "baseline", "-x264-params", "keyint=5"]));
  const types = nalus.map((n) => n[0]! & 0x1f);
  assert.is(types.filter((t) => t === 7).length, 2, "x264 repeats the headers at each IDR");
  assert.is(types.filter((t) => t === 8).length, 2);
  assert.is(types.filter((t) => t === 5).length, 2, "IDR at frames 0 and 5");
  assert.is(types.filter((t) => t === 1 || t === 5).length, 10);
});

e2e.run();
