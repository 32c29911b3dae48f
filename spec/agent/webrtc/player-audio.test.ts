import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PlayerAudio, playerAudioPreference } from "../../../src/agent/webrtc/player-audio.ts";
import { opusPacketSamples } from "../../../src/audio/opus-decoder.ts";
import { createCodecPool, PooledTranscoder } from "../../../src/audio/pooled-transcoder.ts";
import { createLogger } from "../../../src/log.ts";
import type { AudioFrame } from "../../../src/codecs/frame.ts";
import { waitFor } from "../../support/net.ts";

const test = suite("agent/webrtc/player-audio");
/** How long a closed player is watched for a worker's late output that must not come. */
const QUIET_WINDOW_MS = 100;
const PCMA = { codec: "PCMA" as const, sampleRate: 8000, channels: 1 };
const frame = (codec: AudioFrame["codec"], pts: number, data: Uint8Array): AudioFrame => ({ kind: "audio", codec, dts: pts, pts, key: true, data });

function player(send: "opus" | "PCMA" | "PCMU"): { audio: PlayerAudio; out: AudioFrame[] } {
  const out: AudioFrame[] = [];
  return { audio: new PlayerAudio({ send, opusBitrate: 32000, emit: (f) => void out.push(f) }), out };
}

test("a G.711 stream prefers its own law, then Opus; everything else Opus", () => {
  assert.equal(playerAudioPreference(PCMA), ["PCMA", "opus"]);
  assert.equal(playerAudioPreference({ ...PCMA, codec: "PCMU" }), ["PCMU", "opus"]);
  assert.equal(playerAudioPreference({ codec: "AAC", sampleRate: 44100, channels: 2 }), ["opus"]);
  assert.equal(playerAudioPreference(undefined), ["opus"]);
});

test("G.711 to a browser taking it passes untouched, cut into 20 ms packets", () => {
  const { audio, out } = player("PCMA");
  audio.config(PCMA);
  assert.ok(audio.passthrough);
  const sip = Uint8Array.from({ length: 160 }, (_, i) => i);
  audio.frame(frame("PCMA", 1000, sip));
  assert.is(out[0]!.data, sip, "a 20 ms packet is the same object");
  const rtmp = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff); // ffmpeg's 128 ms FLV message
  audio.frame(frame("PCMA", 1020, rtmp));
  const cut = out.slice(1);
  assert.equal(cut.map((f) => f.data.length), [160, 160, 160, 160, 160, 160, 64]);
  assert.equal(cut.map((f) => f.pts), [1020, 1040, 1060, 1080, 1100, 1120, 1140]);
  assert.equal([...cut.flatMap((f) => [...f.data])], [...rtmp]);
  assert.is(audio.skipped, 0);
});

test("frames before the config or of another codec are skipped and counted", () => {
  const { audio, out } = player("PCMA");
  audio.frame(frame("PCMA", 0, new Uint8Array(160)));
  audio.config(PCMA);
  audio.frame(frame("PCMU", 20, new Uint8Array(160)));
  assert.is(out.length, 0);
  assert.is(audio.skipped, 2);
});

test("G.711 to a browser without it becomes 20 ms Opus; frames waiting for the encoder keep their order", async () => {
  const { audio, out } = player("opus");
  audio.config(PCMA);
  assert.not.ok(audio.passthrough);
  for (let i = 0; i < 50; i++) audio.frame(frame("PCMA", i * 20, new Uint8Array(160).fill(0x55 ^ (i & 1 ? 0x10 : 0))));
  await waitFor("Opus packets", () => (out.length >= 50 ? true : undefined), 5000, 10);
  assert.ok(out.every((f) => f.codec === "OPUS" && opusPacketSamples(f.data) === 960));
  assert.equal(out.map((f) => f.pts), Array.from({ length: 50 }, (_, i) => i * 20));
  assert.is(audio.skipped, 0);
  audio.close();
  audio.frame(frame("PCMA", 1000, new Uint8Array(160)));
  assert.is(out.length, 50, "nothing after close");
});

test("in a codec worker the same Opus packets come, in order, and none after close", async () => {
  const pool = createCodecPool(1, 64, createLogger("test"));
  try {
    const input = Array.from({ length: 50 }, (_, i) => frame("PCMA", i * 20, new Uint8Array(160).map((_, k) => (k * 7 + i) & 0xff)));
    const here = player("opus");
    here.audio.config(PCMA);
    for (const f of input) here.audio.frame(f);
    await waitFor("Opus here", () => (here.out.length >= 50 ? true : undefined), 5000, 10);
    const out: AudioFrame[] = [];
    const audio = new PlayerAudio({ send: "opus", opusBitrate: 32000, emit: (f) => void out.push(f), transcoder: (options, deliver) => PooledTranscoder.create(pool, { ...options, stream: "s", log: createLogger("test"), onFrames: deliver }) });
    audio.config(PCMA);
    for (const f of input) audio.frame(f);
    await waitFor("Opus from the worker", () => (out.length >= 50 ? true : undefined), 20000, 10);
    assert.equal(out.map((f) => [f.pts, [...f.data]]), here.out.map((f) => [f.pts, [...f.data]]));
    audio.close();
    audio.frame(frame("PCMA", 1000, new Uint8Array(160)));
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
    assert.is(out.length, 50, "nothing after close");
  } finally {
    await pool.close();
  }
});

test.run();
