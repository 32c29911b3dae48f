import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { decodeVideoTag, encodeVideoTag, type VideoTagBody } from "../../src/flv/video-tag.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/video-tag");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));

// FrameType|CodecID, AVCPacketType, CompositionTime (SI24), data
const cases: { name: string; bytes: string; body: VideoTagBody }[] = [
  { name: "sequence header", bytes: "17 00 000000 0142e015", body: { type: "avc-sequence-header", frameType: 1, compositionTime: 0, config: h("0142e015") } },
  { name: "key NALU with CompositionTime +500", bytes: "17 01 0001f4 00000001 65", body: { type: "avc-nalu", frameType: 1, compositionTime: 500, data: h("00000001 65") } },
  { name: "inter NALU with CompositionTime -1", bytes: "27 01 ffffff 00000001 41", body: { type: "avc-nalu", frameType: 2, compositionTime: -1, data: h("00000001 41") } },
  { name: "CompositionTime -2^23", bytes: "27 01 800000", body: { type: "avc-nalu", frameType: 2, compositionTime: -0x800000, data: h("") } },
  { name: "end of sequence", bytes: "17 02 000000", body: { type: "avc-end-of-sequence", frameType: 1, compositionTime: 0 } },
  { name: "H.263 (not AVC) kept raw", bytes: "22 0084 00", body: { type: "raw", frameType: 2, codecId: 2, data: h("008400") } },
  { name: "AVC with an unknown AVCPacketType kept raw", bytes: "17 05 000000 aa", body: { type: "raw", frameType: 1, codecId: 7, data: h("05 000000 aa") } },
];

for (const c of cases) {
  test(`video tag ${c.name}: decodes to the fields and encodes back`, () => {
    const bytes = h(c.bytes);
    assert.equal(decodeVideoTag(bytes), c.body);
    assert.equal(encodeVideoTag(c.body), bytes);
  });
}

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "an empty tag", bytes: h(""), code: "ERR_FLV_VIDEO_TRUNCATED" },
  { name: "an AVC tag of 4 bytes", bytes: h("17 01 0000"), code: "ERR_FLV_VIDEO_TRUNCATED" },
];
for (const c of bad) {
  test(`decodeVideoTag refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeVideoTag(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("encodeVideoTag refuses a composition time that does not fit 24 signed bits", () => {
  assert.throws(() => encodeVideoTag({ type: "avc-nalu", frameType: 1, compositionTime: 0x800000, data: h("") }), RangeError);
});

test("every video tag of both fixtures decodes and re-encodes byte for byte; Big Buck Bunny is all +500 ms", () => {
  const cts = new Set<number>();
  for (const name of [FLV_1080P, FLV_BBB]) {
    for (const t of readFixture(name).tags.filter((x) => x.header.tagType === 9)) {
      const body = decodeVideoTag(t.data);
      assert.equal(encodeVideoTag(body), t.data);
      if (name === FLV_BBB && body.type === "avc-nalu") cts.add(body.compositionTime);
    }
  }
  assert.equal([...cts], [500]);
});

test.run();
