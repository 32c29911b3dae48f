import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { FlvReader, type FlvReaderOutput } from "../../src/flv/file-reader.ts";
import { encodeFlvHeader, encodeTag } from "../../src/flv/tag.ts";
import { runFuzz } from "../support/fuzz.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/file-reader");

function summary(out: readonly FlvReaderOutput[]): string[] {
  return out.map((o) => (o.type === "header" ? `header v${o.header.version}` : `${o.header.tagType}@${o.header.timestamp}:${o.data.length}:${Buffer.from(o.data).toString("base64")}`));
}

interface Counts { video: number; nalu: number; keyNalu: number; nonZeroCt: number; aacRaw: number; aacHeader: number; avcHeader: number; eos: number; script: number; lastTimestamp: number }

function count(tags: readonly Extract<FlvReaderOutput, { type: "tag" }>[]): Counts {
  const c: Counts = { video: 0, nalu: 0, keyNalu: 0, nonZeroCt: 0, aacRaw: 0, aacHeader: 0, avcHeader: 0, eos: 0, script: 0, lastTimestamp: 0 };
  for (const t of tags) {
    c.lastTimestamp = t.header.timestamp;
    const d = t.data;
    if (t.header.tagType === 18) c.script++;
    if (t.header.tagType === 8 && d[0] === 0xaf) d[1] === 0 ? c.aacHeader++ : c.aacRaw++;
    if (t.header.tagType !== 9) continue;
    c.video++;
    if (d[1] === 0) c.avcHeader++;
    if (d[1] === 2) c.eos++;
    if (d[1] === 1) {
      c.nalu++;
      if (d[0]! >> 4 === 1) c.keyNalu++;
      if (d[2] !== 0 || d[3] !== 0 || d[4] !== 0) c.nonZeroCt++;
    }
  }
  return c;
}

test("the 1080p fixture reads completely: 75 NALU tags, 57 with a composition time, 132 AAC frames, last at 3083 ms", () => {
  const { tags } = readFixture(FLV_1080P);
  const c = count(tags);
  assert.equal(c, { video: 77, nalu: 75, keyNalu: 1, nonZeroCt: 57, aacRaw: 132, aacHeader: 1, avcHeader: 1, eos: 1, script: 1, lastTimestamp: 3083 });
  assert.ok(tags.every((t) => t.previousTagSize === t.header.dataSize + 11), "every PreviousTagSize is right");
});

test("the Big Buck Bunny fixture reads completely: 812 NALU tags, 18 keyframes, 1,423 AAC frames", () => {
  const c = count(readFixture(FLV_BBB).tags);
  assert.is(c.nalu, 812);
  assert.is(c.keyNalu, 18);
  assert.is(c.nonZeroCt, 812);
  assert.is(c.aacRaw, 1423);
  assert.is(c.eos, 1);
});

test("the 1080p fixture fed byte by byte gives the same header and tags as in one chunk, and leaves the input unchanged", () => {
  const { bytes } = readFixture(FLV_1080P);
  const copy = bytes.slice();
  const whole = summary(new FlvReader().push(bytes));
  const reader = new FlvReader();
  const out: FlvReaderOutput[] = [];
  let maxBuffered = 0;
  for (let i = 0; i < bytes.length; i++) {
    out.push(...reader.push(bytes.subarray(i, i + 1)));
    maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
  }
  reader.end();
  assert.equal(summary(out), whole);
  assert.equal(bytes, copy);
  const largest = Math.max(...readFixture(FLV_1080P).tags.map((t) => t.header.dataSize));
  assert.ok(maxBuffered <= largest + 15, `buffer stays within one tag (${maxBuffered} <= ${largest} + 15)`);
});

test("split in two at every offset of the first 3 KB, the reader gives the same output", () => {
  const { bytes } = readFixture(FLV_1080P);
  const head = bytes.subarray(0, 3000);
  const expected = summary(new FlvReader().push(head));
  for (let cut = 0; cut <= head.length; cut++) {
    const reader = new FlvReader();
    const out = [...reader.push(head.subarray(0, cut)), ...reader.push(head.subarray(cut))];
    assert.equal(summary(out), expected, `cut at ${cut}`);
  }
});

test("a tag body inside one chunk is a subarray of that chunk, not a copy", () => {
  const { bytes } = readFixture(FLV_1080P);
  const out = new FlvReader().push(bytes);
  const tag = out.find((o) => o.type === "tag")!;
  assert.ok(tag.type === "tag" && tag.data.buffer === bytes.buffer);
});

test("a DataOffset beyond 9 (padded header) is skipped", () => {
  const header = Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 12, 0xaa, 0xbb, 0xcc, 0, 0, 0, 0);
  const tag = encodeTag({ tagType: 8, timestamp: 7, data: Uint8Array.of(0xaf, 1, 2) });
  const out = new FlvReader().push(Buffer.concat([header, tag]));
  assert.is(out.length, 2);
  assert.ok(out[1]!.type === "tag" && out[1]!.header.timestamp === 7);
});

function errorCode(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ParseError);
    return (err as ParseError).code;
  }
  return undefined;
}

const good = Buffer.concat([encodeFlvHeader({ hasAudio: true, hasVideo: false }), encodeTag({ tagType: 8, timestamp: 0, data: Uint8Array.of(0xaf, 0, 0x12, 0x10) })]);
const bad: { name: string; run: () => void; code: string }[] = [
  { name: "a file that is not FLV", run: () => new FlvReader().push(Buffer.from("GIF89a....... ")), code: "ERR_FLV_SIGNATURE" },
  { name: "a DataOffset of 64 KB", run: () => new FlvReader().push(Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 1, 0, 0)), code: "ERR_FLV_HEADER_SIZE" },
  {
    name: "a tag larger than maxTagSize (refused before its body arrives)",
    run: () => new FlvReader({ maxTagSize: 1000 }).push(Buffer.concat([encodeFlvHeader({ hasAudio: false, hasVideo: true }), Uint8Array.of(9, 0, 0x03, 0xe9, 0, 0, 0, 0, 0, 0, 0)])),
    code: "ERR_FLV_TAG_TOO_LARGE",
  },
  {
    name: "a wrong PreviousTagSize in strict mode",
    run: () => {
      const b = Buffer.from(good);
      b[b.length - 1] = 0;
      new FlvReader({ strictPreviousTagSize: true }).push(b);
    },
    code: "ERR_FLV_PREVIOUS_TAG_SIZE",
  },
  {
    name: "an input that ends inside a tag",
    run: () => {
      const r = new FlvReader();
      r.push(good.subarray(0, good.length - 2));
      r.end();
    },
    code: "ERR_FLV_TRUNCATED",
  },
  {
    name: "an input that ends inside the header",
    run: () => {
      const r = new FlvReader();
      r.push(good.subarray(0, 5));
      r.end();
    },
    code: "ERR_FLV_TRUNCATED",
  },
];
for (const c of bad) {
  test(`the reader refuses ${c.name} with ${c.code}`, () => {
    assert.is(errorCode(c.run), c.code);
  });
}

test("a wrong PreviousTagSize is reported, not fatal, by default", () => {
  const b = Buffer.from(good);
  b[b.length - 1] = 0;
  const out = new FlvReader().push(b);
  assert.ok(out[1]!.type === "tag" && out[1]!.previousTagSize === 0 && out[1]!.header.dataSize === 4);
});

test("a 16 MB tag announcement with no body keeps only the bytes received", () => {
  const r = new FlvReader();
  r.push(Buffer.concat([encodeFlvHeader({ hasAudio: false, hasVideo: true }), Uint8Array.of(9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0), new Uint8Array(100)]));
  assert.is(r.bufferedBytes, 100);
});

test("fuzzed FLV files raise only ParseError from push and end", () => {
  const { bytes } = readFixture(FLV_1080P);
  const inputs = [bytes.subarray(0, 4000), bytes.subarray(0, 1500), good];
  const report = runFuzz("flv-reader", {
    seed: 0xf17,
    count: 3000,
    inputs,
    check: (b) => {
      const r = new FlvReader({ maxTagSize: 64 * 1024, strictPreviousTagSize: true });
      const mid = b.length >> 1;
      r.push(b.subarray(0, mid));
      r.push(b.subarray(mid));
      r.end();
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 2, `outcomes: ${[...report.codes.keys()].join(", ")}`);
});

test.run();
