import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ChunkReader, type RtmpRawMessage } from "../../../src/rtmp/chunk/reader.ts";
import { ChunkWriter } from "../../../src/rtmp/chunk/writer.ts";
import { capturedStreams, HANDSHAKE_BYTES } from "../captures.ts";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const msg = (timestamp: number, length: number, typeId = 8, messageStreamId = 1, chunkStreamId = 4): RtmpRawMessage => ({
  chunkStreamId,
  timestamp,
  typeId,
  messageStreamId,
  payload: new Uint8Array(length).map((_, i) => i & 0xff),
});

const s = suite("chunk writer");

/** The chunks of a Set Chunk Size message, so a reader follows the writer's size. */
const chunkSizeMessage = (size: number): Uint8Array[] => [new ChunkWriter().write({ chunkStreamId: 2, messageStreamId: 0, timestamp: 0, typeId: 1, payload: Uint8Array.of(size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff) })];

s("compresses headers: fmt 0 first, fmt 2 for a new delta, fmt 3 for a repeated one, fmt 1 for a new length", () => {
  const w = new ChunkWriter();
  const fmts = [msg(0, 2), msg(20, 2), msg(40, 2), msg(60, 3), msg(80, 3, 9), msg(50, 3, 9), msg(60, 3, 9, 2)].map((m) => w.write(m)[0]! >> 6);
  // ts 0: new stream; 20: delta 20 (fmt 2); 40: delta 20 again (fmt 3); 60: new length (fmt 1);
  // 80: new type (fmt 1); 50: timestamp going back (fmt 0); another message stream id (fmt 0)
  assert.equal(fmts, [0, 2, 3, 1, 1, 0, 0]);
});

s("never uses fmt 3 right after fmt 0, whose delta readers disagree on", () => {
  const w = new ChunkWriter();
  w.write(msg(1000, 2));
  assert.is(w.write(msg(2000, 2))[0]! >> 6, 2);
});

s("splits a message at the chunk size with one-byte fmt 3 continuation headers", () => {
  const w = new ChunkWriter();
  const out = w.write(msg(0, 300));
  assert.is(out.length, 12 + 300 + 2);
  assert.is(out[12 + 128], 0xc4);
  assert.is(out[12 + 128 + 1 + 128], 0xc4);
  w.chunkSize = 4096;
  assert.is(w.write(msg(10, 300)).length, 4 + 300, "a fmt 2 header (same length and type) and one chunk");
});

s("writes the extended timestamp and repeats it in continuation chunks", () => {
  const out = new ChunkWriter().write(msg(0x01000000, 200));
  assert.is(toHex(out.subarray(0, 16)), "04" + "ffffff" + "0000c8" + "08" + "01000000" + "01000000");
  assert.is(toHex(out.subarray(16 + 128, 16 + 128 + 5)), "c4" + "01000000");
  assert.equal(new ChunkReader().push(out), [msg(0x01000000, 200)]);
});

s("writes an extended delta that our reader (and the spec) add up, including 32-bit wrap", () => {
  const w = new ChunkWriter();
  const sent = [msg(0xfffffff0, 1), msg(0x00ffff00 + 0xfffffff0, 1), msg((0x00ffff00 * 2 + 0xfffffff0) >>> 0, 1)].map((m) => ({ ...m, timestamp: m.timestamp >>> 0 }));
  const bytes = sent.map((m) => w.write(m));
  const r = new ChunkReader();
  assert.equal(bytes.flatMap((b) => r.push(b)).map((m) => m.timestamp), sent.map((m) => m.timestamp));
});

s("uses 2- and 3-byte basic headers for chunk stream ids 64 and up", () => {
  const w = new ChunkWriter();
  assert.is(toHex(w.write(msg(0, 1, 8, 0, 70)).subarray(0, 2)), "0006");
  assert.is(toHex(w.write(msg(0, 1, 8, 0, 577)).subarray(0, 3)), "010102");
});

s("writeParts: the first header per writer, the rest cut once per payload, chunk size and chunk stream for every writer", () => {
  const payload = msg(0, 10_000).payload;
  const a = new ChunkWriter();
  const b = new ChunkWriter();
  const reference = new ChunkWriter();
  for (const w of [a, b, reference]) w.chunkSize = 4096;
  b.write(msg(0, 3)); // b's chunk stream 4 has history: its first header differs from a's
  reference.write(msg(0, 3));
  const [headerA, bodyA] = a.writeParts({ ...msg(40, 0), payload });
  const [headerB, bodyB] = b.writeParts({ ...msg(40, 0), payload });
  assert.ok(bodyA === bodyB, "one body for both writers");
  assert.is.not(toHex(headerA), toHex(headerB));
  assert.is(toHex(Buffer.concat([headerB, bodyB])), toHex(reference.write({ ...msg(40, 0), payload })));
  assert.equal(new ChunkReader({ limits: { maxMessageSize: 1 << 20 } }).push(Buffer.concat([...chunkSizeMessage(4096), headerA, bodyA])).at(-1)?.payload, payload);
  assert.ok(a.writeParts({ ...msg(80, 0), payload, chunkStreamId: 6 })[1] !== bodyA, "another chunk stream has its own continuation headers");
  a.chunkSize = 128;
  assert.is(a.writeParts({ ...msg(120, 0), payload })[1].length, 10_000 + 78, "another chunk size is cut again");
});

s("writeParts does not share a body that repeats an extended timestamp, nor a payload that fits one chunk", () => {
  const payload = msg(0, 300).payload;
  const [, extended] = new ChunkWriter().writeParts({ ...msg(0x01000000, 0), payload });
  assert.is(toHex(extended.subarray(128, 133)), "c4" + "01000000");
  assert.ok(new ChunkWriter().writeParts({ ...msg(0x01000000, 0), payload })[1] !== extended);
  const small = msg(0, 100).payload;
  assert.ok(new ChunkWriter().writeParts({ ...msg(0, 0), payload: small })[1] === small, "one chunk: the payload itself");
});

s("re-chunks every message of the captured sessions so that the reader gives them back unchanged", () => {
  for (const c of capturedStreams()) {
    const original = new ChunkReader().push(c.bytes.subarray(HANDSHAKE_BYTES));
    const w = new ChunkWriter();
    const r = new ChunkReader();
    const back: RtmpRawMessage[] = [];
    for (const m of original) {
      back.push(...r.push(w.write(m)));
      if (m.typeId === 1) w.chunkSize = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0) & 0x7fffffff;
    }
    assert.is(back.length, original.length, c.name);
    assert.equal(back, original, c.name);
  }
});

s.run();
