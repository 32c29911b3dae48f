import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { avccToNalus, nalusToAvcc } from "../../../src/codecs/h264/avcc.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { FLV_1080P, FLV_BBB } from "../../flv/flv-fixtures.ts";
import { avcFromFlv } from "./h264-samples.ts";

const test = suite("codecs/h264/avcc");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

// { lengthSize, bytes (length | NAL ...), nalus }
const cases: { name: string; lengthSize: number; bytes: string; nalus: string[] }[] = [
  { name: "4-byte lengths", lengthSize: 4, bytes: "00000002 6742 00000001 68", nalus: ["6742", "68"] },
  { name: "2-byte lengths", lengthSize: 2, bytes: "0002 6742 0001 68", nalus: ["6742", "68"] },
  { name: "1-byte lengths", lengthSize: 1, bytes: "02 6742 01 68", nalus: ["6742", "68"] },
  { name: "nothing", lengthSize: 4, bytes: "", nalus: [] },
];

for (const c of cases) {
  test(`avccToNalus and nalusToAvcc with ${c.name} are inverse`, () => {
    const bytes = h(c.bytes);
    const copy = bytes.slice();
    assert.equal(avccToNalus(bytes, c.lengthSize).map(hex), c.nalus);
    assert.equal(bytes, copy, "input unchanged");
    assert.equal(hex(nalusToAvcc(c.nalus.map(h), c.lengthSize)), hex(bytes));
  });
}

test("a zero-length entry is skipped", () => {
  assert.equal(avccToNalus(h("00000000 00000001 09")).map(hex), ["09"]);
});

const bad: { name: string; bytes: Uint8Array; lengthSize?: number; code: string }[] = [
  { name: "a length cut short", bytes: h("000000"), code: "ERR_H264_AVCC_TRUNCATED" },
  { name: "a length beyond the data", bytes: h("00000005 6742"), code: "ERR_H264_AVCC_TRUNCATED" },
  { name: "a second NAL cut short", bytes: h("00000001 09 0000"), code: "ERR_H264_AVCC_TRUNCATED" },
  { name: "a 3-byte length size", bytes: h("000001 09"), lengthSize: 3, code: "ERR_H264_AVCC_LENGTH_SIZE" },
  { name: "a NAL over 16 MB announced", bytes: h("01000001 00"), code: "ERR_H264_NAL_TOO_LARGE" },
  { name: "1,025 NAL units", bytes: nalusToAvcc(Array.from({ length: 1025 }, () => h("09")), 1), lengthSize: 1, code: "ERR_H264_TOO_MANY_NALS" },
];
for (const c of bad) {
  test(`avccToNalus refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => avccToNalus(c.bytes, c.lengthSize), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("every NALU tag body of both FLV fixtures re-encodes byte for byte (SEI, two slices per frame, B-frames)", () => {
  let nals = 0;
  for (const name of [FLV_1080P, FLV_BBB]) {
    const { avcc } = avcFromFlv(name);
    for (const body of avcc) {
      const nalus = avccToNalus(body);
      nals += nalus.length;
      assert.equal(nalusToAvcc(nalus), body);
    }
  }
  assert.ok(nals > 812 * 3, `Big Buck Bunny has SEI and two slices per frame (${nals} NAL units)`);
});

test("the same access units in 2-byte and 1-byte forms give the same NAL units", () => {
  const au = avcFromFlv(FLV_BBB).accessUnits.find((a) => a.every((n) => n.length < 256))!;
  assert.ok(au, "a small access unit exists");
  assert.equal(avccToNalus(nalusToAvcc(au, 2), 2).map(hex), au.map(hex));
  assert.equal(avccToNalus(nalusToAvcc(au, 1), 1).map(hex), au.map(hex));
});

test("nalusToAvcc refuses a NAL unit its length size cannot express", () => {
  assert.throws(() => nalusToAvcc([new Uint8Array(256)], 1), RangeError);
});

test("fuzzed AVCC samples raise only ParseError and re-encode to what they decoded from", () => {
  const inputs = avcFromFlv(FLV_1080P).avcc.slice(0, 6);
  const report = runFuzz("h264-avcc", {
    seed: 0xa7cc,
    count: 3000,
    inputs,
    check: (bytes) => {
      const nalus = avccToNalus(bytes);
      assert.equal(avccToNalus(nalusToAvcc(nalus)).map(hex), nalus.map(hex));
    },
  });
  assert.ok(report.accepted > 0 && (report.codes.get("ERR_H264_AVCC_TRUNCATED") ?? 0) > 0, "fuzzing reached both outcomes");
});

test.run();
