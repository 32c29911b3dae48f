/**
 * Seeded fuzzing of the captured RTMP sessions through handshake + chunk reader + message decoder
 * (issue 2: "at least 10,000 cases in the test run"). Only ParseError may escape, and memory stays
 * bounded (the reader never holds more than its limits).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ChunkReader } from "../../src/rtmp/chunk/reader.ts";
import { HandshakeClient, HandshakeServer } from "../../src/rtmp/handshake.ts";
import { decodeMessage } from "../../src/rtmp/messages.ts";
import { prng, runFuzz } from "../support/fuzz.ts";
import { capturedStreams, HANDSHAKE_BYTES } from "./captures.ts";

const LIMITS = { maxMessageSize: 64 * 1024, maxPendingBytes: 256 * 1024, maxChunkStreams: 16 };
const streams = capturedStreams();
const split = prng(99);

function decodeAll(reader: ChunkReader, bytes: Uint8Array): number {
  const cut = bytes.length === 0 ? 0 : split() % bytes.length;
  let n = 0;
  for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
    for (const m of reader.push(part)) {
      const body = decodeMessage(m);
      if (body.type === "Aggregate") for (const sub of body.messages) decodeMessage(sub);
      n++;
    }
    assert.ok(reader.bytesBuffered <= LIMITS.maxPendingBytes + part.length);
  }
  return n;
}

const s = suite("rtmp capture fuzz");

s("only ParseError escapes 6,000 mutated chunk streams of the captures (fed in two pieces)", () => {
  const inputs = streams.map((c) => c.bytes.subarray(HANDSHAKE_BYTES, HANDSHAKE_BYTES + 6000));
  const before = process.memoryUsage().heapUsed;
  const report = runFuzz("rtmp-chunk-stream", { seed: 0x5eed1, count: 6000, inputs, check: (b) => void decodeAll(new ChunkReader({ limits: LIMITS }), b) });
  assert.ok(report.cases >= 6000);
  assert.ok(report.accepted > 100, `some mutations still parse (${report.accepted})`);
  assert.ok(report.codes.size >= 4, `several error codes: ${[...report.codes.keys()].join(", ")}`);
  assert.ok(process.memoryUsage().heapUsed - before < 256 * 1024 * 1024, "heap stays bounded");
});

s("only ParseError escapes 4,000 mutated whole sessions through the handshake and the chunk reader", () => {
  const inputs = streams.map((c) => c.bytes.subarray(0, HANDSHAKE_BYTES + 3000));
  const report = runFuzz("rtmp-session", {
    seed: 0x5eed2,
    count: 4000,
    inputs,
    check: (bytes) => {
      // each case meets both roles: our server reading a client's bytes and our client a server's
      for (const step of [new HandshakeServer().push(bytes), startedClient().push(bytes)]) {
        if (step.done) decodeAll(new ChunkReader({ limits: LIMITS }), step.rest);
      }
    },
  });
  assert.ok(report.cases >= 4000);
  assert.ok(report.accepted > 100);
});

function startedClient(): HandshakeClient {
  const c = new HandshakeClient({ random: (n) => new Uint8Array(n) });
  c.start();
  return c;
}

s.run();
