import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeG711 } from "../../src/audio/g711.ts";
import { createCodecPool, PooledTranscoder } from "../../src/audio/pooled-transcoder.ts";
import { AudioTranscoder, type TranscoderOptions } from "../../src/audio/transcoder.ts";
import type { WorkerPool } from "../../src/audio/worker-pool.ts";
import type { AudioFrame } from "../../src/codecs/frame.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { waitFor } from "../support/net.ts";
import { sine } from "./support/spectrum.ts";

const test = suite("audio/pooled-transcoder");
const OPTIONS: TranscoderOptions = { source: { codec: "PCMA", sampleRate: 8000, channels: 1 }, target: { codec: "AAC", sampleRate: 48000, channels: 1, bitrate: 64000 } };

/** 20 ms PCMA packets of a 440 Hz tone starting at `startMs`. */
function pcma(ms: number, startMs = 0): AudioFrame[] {
  const bytes = encodeG711("PCMA", Int16Array.from(sine(8000, 440, ms * 8, 0.5), (v) => Math.round(v * 32767)));
  return Array.from({ length: ms / 20 }, (_, i) => {
    const t = startMs + i * 20;
    return { kind: "audio", codec: "PCMA", dts: t, pts: t, key: true, data: bytes.subarray(i * 160, i * 160 + 160) } as const;
  });
}

function quietLog(lines: string[] = []): Logger {
  const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { ...createLogger("t"), error: keep, warn: keep, info: () => {}, child: () => quietLog(lines) };
}

async function withPool(body: (pool: WorkerPool) => Promise<void>): Promise<void> {
  const pool = createCodecPool(1, 64, quietLog());
  try {
    await body(pool);
  } finally {
    await pool.close();
  }
}

test("the pooled transcoder's AAC is byte for byte what the transcoder makes in this thread", () =>
  withPool(async (pool) => {
    const local = await AudioTranscoder.create(OPTIONS);
    const expected = pcma(1000).flatMap((f) => local.push(f));
    const got: AudioFrame[] = [];
    const pooled = await PooledTranscoder.create(pool, { ...OPTIONS, stream: "s", log: quietLog(), onFrames: (f) => got.push(...f) });
    assert.equal(pooled.output.asc, local.output.asc);
    const input = pcma(1000);
    for (const f of input) pooled.push(f);
    assert.is(input[0]!.data.byteLength, 160, "the caller's frames are untouched (the worker got a copy)");
    await waitFor("all frames", () => (got.length >= expected.length ? true : undefined), 20000);
    assert.equal(got.map((f) => [f.dts, [...f.data]]), expected.map((f) => [f.dts, [...f.data]]));
    pooled.close();
    assert.is(pool.status().sessions, 0);
  }));

test("frames that are Node Buffer views into one shared buffer (as an RTMP socket hands them) are copied, never transferred: the shared buffer stays whole", () =>
  withPool(async (pool) => {
    const got: AudioFrame[] = [];
    const pooled = await PooledTranscoder.create(pool, { ...OPTIONS, stream: "rtmp", log: quietLog(), onFrames: (f) => got.push(...f) });
    const input = pcma(200);
    // a socket's read is a Buffer with an ArrayBuffer of its own (not Node's small-buffer pool, which cannot be transferred)
    const socketRead = Buffer.allocUnsafeSlow(160 * input.length);
    input.forEach((f, i) => socketRead.set(f.data, i * 160));
    const views = input.map((f, i) => ({ ...f, data: socketRead.subarray(i * 160, i * 160 + 160) }));
    for (const f of views) pooled.push(f);
    assert.is(socketRead.buffer.byteLength > 0, true, "the shared buffer is not detached");
    assert.equal([...socketRead.subarray(0, 160)], [...input[0]!.data], "its bytes are still readable");
    await waitFor("AAC out", () => (got.length > 0 ? true : undefined), 20000);
    pooled.close();
  }));

test("when its worker dies the transcoder is made again there and the audio resumes after a counted gap", () =>
  withPool(async (pool) => {
    const lines: string[] = [];
    const got: AudioFrame[] = [];
    const gaps: number[] = [];
    const pooled = await PooledTranscoder.create(pool, { ...OPTIONS, stream: "cam9", log: quietLog(lines), onFrames: (f) => got.push(...f), onGap: (ms) => gaps.push(ms) });
    pooled.setMuted(true);
    for (const f of pcma(400)) pooled.push(f);
    await waitFor("first frames", () => (got.length >= 15 ? true : undefined), 20000);
    await pool.crash(0);
    // the source goes on while the worker is replaced: frames sent meanwhile are dropped and counted
    let t = 400;
    await waitFor(
      "audio after the restart",
      async () => {
        for (const f of pcma(100, t)) pooled.push(f);
        t += 100;
        await new Promise((r) => setTimeout(r, 20));
        return gaps.length > 0 ? true : undefined;
      },
      30000,
    );
    assert.is(pooled.restarts, 1);
    assert.ok(pooled.dropped > 0, "frames lost with the worker were counted");
    assert.ok(gaps[0]! > 0 && gaps[0]! === pooled.gapMs);
    assert.ok(lines.some((l) => l.startsWith("audio resumed after a codec worker restart") && l.includes("cam9")), lines.join("\n"));
    for (let i = 1; i < got.length; i++) assert.ok(got[i]!.dts > got[i - 1]!.dts, "output time never goes back");
    pooled.close();
  }));

test("a transcoder being made when the worker dies is made on its replacement: the stream gets its audio", () =>
  withPool(async (pool) => {
    const first = await PooledTranscoder.create(pool, { ...OPTIONS, stream: "cam1", log: quietLog(), onFrames: () => {} });
    const crashed = pool.crash(0);
    const got: AudioFrame[] = [];
    const second = await PooledTranscoder.create(pool, { ...OPTIONS, stream: "cam2", log: quietLog(), onFrames: (f) => got.push(...f) });
    await crashed;
    assert.is(pool.status().restarts, 1, "made after the worker was replaced");
    for (const f of pcma(400)) second.push(f);
    await waitFor("AAC from the new worker", () => (got.length >= 15 ? true : undefined), 20000);
    first.close();
    second.close();
  }));

test.run();
