import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SequenceUnwrapper, TimestampUnwrapper, seqDiff, timestampDiff } from "../../src/rtp/sequence.ts";

const test = suite("rtp/sequence");

test("seqDiff is the signed 16-bit distance, positive when the second is newer", () => {
  assert.equal([seqDiff(65535, 0), seqDiff(0, 65535), seqDiff(10, 20), seqDiff(0, 32767), seqDiff(0, 32768)], [1, -1, 10, 32767, -32768]);
});

test("timestampDiff handles the 32-bit wrap", () => {
  assert.equal([timestampDiff(0xffffff00, 0x100), timestampDiff(0x100, 0xffffff00)], [512, -512]);
});

test("the sequence unwrapper keeps counting past 65535 and places a reordered packet before the wrap", () => {
  const u = new SequenceUnwrapper();
  assert.equal([65534, 65535, 0, 65535, 1, 2].map((s) => u.unwrap(s)), [65534, 65535, 65536, 65535, 65537, 65538]);
  assert.is(u.highest, 65538);
});

test("the timestamp unwrapper counts through several wraps", () => {
  const u = new TimestampUnwrapper();
  let ts = 0xf0000000;
  let last = 0;
  for (let i = 0; i < 40; i++) {
    last = u.unwrap(ts >>> 0);
    ts += 0x20000000;
  }
  assert.is(last, 0xf0000000 + 39 * 0x20000000);
});

test("a value older than the first by a wrap comes out negative, or one wrap later with neverBelowZero", () => {
  const plain = new TimestampUnwrapper();
  assert.equal([10, 2 ** 32 - 5].map((t) => plain.unwrap(t)), [10, -5]);
  const clamped = new TimestampUnwrapper({ neverBelowZero: true });
  assert.equal([10, 2 ** 32 - 5, 7].map((t) => clamped.unwrap(t)), [10, 2 ** 32 - 5, 2 ** 32 + 7]);
});

test.run();
