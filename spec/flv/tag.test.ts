import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { decodeFlvHeader, decodeTagHeader, encodeFlvHeader, encodeTag, TAG_TYPE } from "../../src/flv/tag.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/tag");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("the fixtures' headers say FLV v1 with audio and video and a 9-byte DataOffset", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    assert.equal(decodeFlvHeader(readFixture(name).bytes), { version: 1, hasAudio: true, hasVideo: true, dataOffset: 9 });
  }
});

test("encodeFlvHeader writes the header and PreviousTagSize0 as ffmpeg does", () => {
  assert.equal(encodeFlvHeader({ hasAudio: true, hasVideo: true }), readFixture(FLV_1080P).bytes.subarray(0, 13));
  assert.is(hex(encodeFlvHeader({ hasAudio: true, hasVideo: false })), "464c5601" + "04" + "00000009" + "00000000");
  assert.is(hex(encodeFlvHeader({ hasAudio: false, hasVideo: true })).slice(8, 10), "01");
});

// One tag per field, bytes commented: type | size | timestamp (low 24) | extended | stream id | data | PreviousTagSize
const cases: { name: string; bytes: string; tag: { tagType: number; timestamp: number; data: string; streamId?: number; filter?: boolean } }[] = [
  { name: "audio at 0", bytes: "08 000002 000000 00 000000 af01 0000000d", tag: { tagType: 8, timestamp: 0, data: "af01" } },
  { name: "video at 3083 ms", bytes: "09 000005 000c0b 00 000000 1702000000 00000010", tag: { tagType: 9, timestamp: 3083, data: "1702000000" } },
  { name: "script, timestamp past 2^24 ms (extended byte)", bytes: "12 000001 020304 01 000000 05 0000000c", tag: { tagType: 18, timestamp: 0x01020304, data: "05" } },
  { name: "largest timestamp", bytes: "09 000000 ffffff ff 000000 0000000b", tag: { tagType: 9, timestamp: 0xffffffff, data: "" } },
];

for (const c of cases) {
  test(`tag header round trip: ${c.name}`, () => {
    const bytes = h(c.bytes);
    const header = decodeTagHeader(bytes);
    assert.is(header.tagType, c.tag.tagType);
    assert.is(header.timestamp, c.tag.timestamp);
    assert.is(header.dataSize, c.tag.data.length / 2);
    assert.is(header.streamId, 0);
    assert.is(hex(encodeTag({ tagType: c.tag.tagType, timestamp: c.tag.timestamp, data: h(c.tag.data) })), hex(bytes));
  });
}

test("the Filter bit and a non-zero StreamID are decoded and re-encoded", () => {
  const bytes = encodeTag({ tagType: TAG_TYPE.VIDEO, timestamp: 1, data: h("17"), filter: true, streamId: 0x010203 });
  assert.is(hex(bytes.subarray(0, 11)), "29" + "000001" + "000001" + "00" + "010203");
  const header = decodeTagHeader(bytes);
  assert.ok(header.filter);
  assert.is(header.tagType, 9);
  assert.is(header.streamId, 0x010203);
});

test("every tag of both fixtures re-encodes to the bytes it was read from", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    const { bytes, tags } = readFixture(name);
    for (const t of tags) {
      const encoded = encodeTag({ tagType: t.header.tagType, timestamp: t.header.timestamp, data: t.data });
      assert.equal(encoded, bytes.subarray(t.offset, t.offset + encoded.length));
    }
  }
});

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "a short header", bytes: h("464c5601 05 000000"), code: "ERR_FLV_TRUNCATED" },
  { name: "no FLV signature", bytes: h("464c4101 05 00000009"), code: "ERR_FLV_SIGNATURE" },
  { name: "DataOffset smaller than 9", bytes: h("464c5601 05 00000008"), code: "ERR_FLV_HEADER_SIZE" },
];
for (const c of bad) {
  test(`decodeFlvHeader refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeFlvHeader(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("decodeTagHeader refuses fewer than 11 bytes with ERR_FLV_TRUNCATED", () => {
  assert.throws(() => decodeTagHeader(h("09 000005 000c0b 00 0000")), (e: unknown) => e instanceof ParseError && e.code === "ERR_FLV_TRUNCATED");
});

test("encodeTag refuses a body over 16 MB and a tag type over 31", () => {
  assert.throws(() => encodeTag({ tagType: 9, timestamp: 0, data: new Uint8Array(0x1000000) }), RangeError);
  assert.throws(() => encodeTag({ tagType: 32, timestamp: 0, data: new Uint8Array(0) }), RangeError);
});

test.run();
