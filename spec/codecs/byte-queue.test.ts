import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ByteQueue } from "../../src/codecs/byte-queue.ts";

const s = suite("byte queue");
s("reads across pushed buffers in order", () => {
  const q = new ByteQueue();
  q.push(Uint8Array.of(1, 2, 3));
  q.push(Uint8Array.of());
  q.push(Uint8Array.of(4, 5));
  assert.is(q.length, 5);
  assert.equal([...q.peek(4)], [1, 2, 3, 4]);
  assert.equal([...q.consume(2)], [1, 2]);
  assert.equal(q.consumePieces(2).map((p) => [...p]), [[3], [4]]);
  q.skip(1);
  assert.is(q.length, 0);
  assert.equal([...q.drain()], []);
});
s("returns a view without copying when the bytes sit in one buffer", () => {
  const q = new ByteQueue();
  const b = Uint8Array.of(9, 8, 7);
  q.push(b);
  assert.is(q.peek(2).buffer, b.buffer);
});
s.run();
