import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeG711 } from "../../../src/audio/g711.ts";
import { createCodecPool, PooledTranscoder } from "../../../src/audio/pooled-transcoder.ts";
import { AudioTranscoder } from "../../../src/audio/transcoder.ts";
import type { TranscoderMaker } from "../../../src/audio/transcoders.ts";
import type { AudioConfig, AudioFrame } from "../../../src/codecs/frame.ts";
import { rtmpAudioTarget, TranscodingAudioPath } from "../../../src/core/push/audio-path.ts";
import { createLogger, type Logger } from "../../../src/log.ts";
import { waitFor } from "../../support/net.ts";
import { sine } from "../../audio/support/spectrum.ts";

const test = suite("core/push/audio-path");
const PCMA: AudioConfig = { codec: "PCMA", sampleRate: 8000, channels: 1 };
const TARGET = rtmpAudioTarget("aac", 64000);

/** 20 ms PCMA packets of a 440 Hz tone. */
function pcma(ms: number): AudioFrame[] {
  const bytes = encodeG711("PCMA", Int16Array.from(sine(8000, 440, ms * 8, 0.5), (v) => Math.round(v * 32767)));
  return Array.from({ length: ms / 20 }, (_, i) => ({ kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: bytes.subarray(i * 160, i * 160 + 160) }) as const);
}

function quietLog(lines: string[] = []): Logger {
  const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { ...createLogger("t"), error: keep, warn: keep, info: () => {}, child: () => quietLog(lines) };
}

/** What the transcoder makes of `frames` in this thread, made before any frame comes. */
async function inThread(frames: readonly AudioFrame[]): Promise<AudioFrame[]> {
  const t = await AudioTranscoder.create({ source: PCMA, target: TARGET, startMs: 0 });
  const out = frames.flatMap((f) => t.push(f));
  t.close();
  return out;
}

test("the first transcoder on a codec pool whose thread has not started yet loses no audio: frames wait for it", async () => {
  const pool = createCodecPool(1, 64, quietLog());
  const make: TranscoderMaker = (options, deliver) => PooledTranscoder.create(pool, { ...options, stream: "cam", log: quietLog(), onFrames: deliver });
  const path = new TranscodingAudioPath(TARGET, quietLog(), make);
  const out: AudioFrame[] = [];
  path.onOutput((frames) => out.push(...frames));
  try {
    const source = pcma(1000);
    path.setSourceConfig(PCMA);
    for (const frame of source) assert.equal(path.push(frame), []);
    const expected = await inThread(source);
    assert.ok(expected.length > 40, `${expected.length} AAC frames from 1 s`);
    await waitFor("every held frame transcoded", () => (out.length >= expected.length ? true : undefined), 30000);
    assert.is(path.droppedWhileStarting, 0);
    assert.is(out.length, expected.length);
    out.forEach((f, i) => assert.equal([f.dts, Buffer.from(f.data).toString("hex")], [expected[i]!.dts, Buffer.from(expected[i]!.data).toString("hex")], `AAC frame ${i}`));
  } finally {
    path.close();
    await pool.close();
  }
});

test("a path closed while its transcoder is being made closes that transcoder when it comes and drops the held frames", async () => {
  let closed = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const make: TranscoderMaker = async (options) => {
    await gate;
    const t = await AudioTranscoder.create(options);
    return { ...t, source: t.source, output: t.output, push: (f) => t.push(f), tick: (n) => t.tick(n), setMuted: (m) => t.setMuted(m), soundOn: (p, l) => t.soundOn(p, l), soundOff: () => t.soundOff(), close: () => (closed++, t.close()) };
  };
  const path = new TranscodingAudioPath(TARGET, quietLog(), make);
  const out: AudioFrame[] = [];
  path.onOutput((frames) => out.push(...frames));
  path.setSourceConfig(PCMA);
  for (const frame of pcma(200)) path.push(frame);
  path.close();
  release();
  await waitFor("the late transcoder closed", () => (closed === 1 ? true : undefined));
  assert.is(out.length, 0, "nothing comes out of a closed path");
  assert.is(path.config, undefined);
});

test.run();
