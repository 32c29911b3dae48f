import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { avcConfigFromParameterSets, decodeAvcConfig, encodeAvcConfig } from "../../src/flv/avc-config.ts";
import { runFuzz } from "../support/fuzz.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/avc-config");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function fixtureRecord(name: string): Uint8Array {
  const t = readFixture(name).tags.find((x) => x.header.tagType === 9 && x.data[1] === 0)!;
  return t.data.subarray(5);
}
const hiRecord = fixtureRecord(FLV_1080P);
const bbbRecord = fixtureRecord(FLV_BBB);

test("the 1080p record is version 1, High 4.0, 4-byte lengths, one SPS and PPS, with the 4:2:0 8-bit high-profile block", () => {
  const r = decodeAvcConfig(hiRecord);
  assert.is(r.configurationVersion, 1);
  assert.is(r.profileIndication, 100);
  assert.is(r.profileCompatibility, 0);
  assert.is(r.levelIndication, 40);
  assert.is(r.lengthSize, 4);
  assert.is(r.sps.length, 1);
  assert.is(r.sps[0]!.length, 27);
  assert.is(hex(r.pps[0]!), "68ebe3cb22c0");
  assert.equal(r.ext, { chromaFormat: 1, bitDepthLumaMinus8: 0, bitDepthChromaMinus8: 0, spsExt: [] });
});

test("both fixture records re-encode byte for byte", () => {
  assert.equal(encodeAvcConfig(decodeAvcConfig(hiRecord)), hiRecord);
  assert.equal(encodeAvcConfig(decodeAvcConfig(bbbRecord)), bbbRecord);
});

test("built from the SPS and PPS alone, the record is the one ffmpeg wrote (profile, compatibility, level from the SPS)", () => {
  for (const record of [hiRecord, bbbRecord]) {
    const r = decodeAvcConfig(record);
    assert.is(hex(encodeAvcConfig(avcConfigFromParameterSets(r.sps[0]!, r.pps[0]!))), hex(record));
  }
  const baseline = avcConfigFromParameterSets(decodeAvcConfig(bbbRecord).sps[0]!, decodeAvcConfig(bbbRecord).pps[0]!);
  assert.is(baseline.profileCompatibility, 0xe0, "constraint_set0..2 of the Constrained Baseline SPS");
  assert.is(baseline.ext, undefined, "no high-profile block for Baseline");
});

test("2-byte NAL lengths and several PPS round-trip", () => {
  const record = h("01 42 c0 1f fd e1 0002 6742 02 0001 68 0002 68aa");
  const r = decodeAvcConfig(record);
  assert.is(r.lengthSize, 2);
  assert.equal(r.pps.map(hex), ["68", "68aa"]);
  assert.equal(encodeAvcConfig(r), record);
});

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "a 6-byte record", bytes: h("01 64 00 28 ff e1"), code: "ERR_FLV_AVC_CONFIG_TRUNCATED" },
  { name: "configurationVersion 0", bytes: h("00 64 00 28 ff e1 0001 67 01 0001 68"), code: "ERR_FLV_AVC_CONFIG_VERSION" },
  { name: "lengthSizeMinusOne 2", bytes: h("01 64 00 28 fe e1 0001 67 01 0001 68"), code: "ERR_FLV_AVC_CONFIG_LENGTH_SIZE" },
  { name: "an SPS longer than the record", bytes: h("01 64 00 28 ff e1 0010 67"), code: "ERR_FLV_AVC_CONFIG_TRUNCATED" },
  { name: "no PPS count", bytes: h("01 64 00 28 ff e1 0001 67"), code: "ERR_FLV_AVC_CONFIG_TRUNCATED" },
  { name: "an empty SPS", bytes: h("01 64 00 28 ff e1 0000 01 0001 68"), code: "ERR_FLV_AVC_CONFIG_EMPTY_NAL" },
  { name: "255 PPS announced", bytes: h("01 42 00 28 ff e1 0001 67 ff"), code: "ERR_FLV_AVC_CONFIG_TOO_MANY" },
];
for (const c of bad) {
  test(`decodeAvcConfig refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeAvcConfig(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("a record from an SPS that does not parse is refused with the SPS's ParseError", () => {
  assert.throws(() => avcConfigFromParameterSets(h("67 42"), h("68")), (e: unknown) => e instanceof ParseError && e.code === "ERR_H264_SPS_TRUNCATED");
  assert.throws(() => avcConfigFromParameterSets(decodeAvcConfig(bbbRecord).sps[0]!, h("")), (e: unknown) => e instanceof ParseError);
});

test("fuzzed records raise only ParseError, and a decoded record survives encode-decode", () => {
  const report = runFuzz("flv-avc-config", {
    seed: 0xacc,
    count: 3000,
    inputs: [hiRecord, bbbRecord],
    check: (bytes) => {
      const r = decodeAvcConfig(bytes);
      assert.equal(decodeAvcConfig(encodeAvcConfig(r)), r);
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 1, "fuzzing reached both outcomes");
});

test.run();
