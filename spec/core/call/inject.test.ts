/**
 * inject_stream's sink: the frames a stream sends while the call's transcoder is still being made
 * (a codec worker loading on a busy host) reach the call once it is there, up to a bound.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeG711 } from "../../../src/audio/g711.ts";
import { inThreadTranscoder, type TranscoderMaker } from "../../../src/audio/transcoders.ts";
import type { AudioFrame } from "../../../src/codecs/frame.ts";
import { CallAudioSender } from "../../../src/core/call/audio-out.ts";
import { CallInjection } from "../../../src/core/call/inject.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { createLogger } from "../../../src/log.ts";

const test = suite("core/call/inject");

function tone(i: number): AudioFrame {
  const samples = new Int16Array(160);
  for (let k = 0; k < 160; k++) samples[k] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (i * 160 + k)) / 8000));
  return { kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: encodeG711("PCMA", samples) };
}

/** A transcoder maker whose transcoder is handed over only when `handOver()` is called. */
function slowMaker(): { make: TranscoderMaker; handOver: () => Promise<void> } {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let taken = (): void => undefined;
  const handedOver = new Promise<void>((resolve) => (taken = resolve));
  const make: TranscoderMaker = async (options, deliver) => {
    const transcoder = await inThreadTranscoder(options, deliver);
    await gate;
    setImmediate(taken); // after the injection's then() has run
    return transcoder;
  };
  return { make, handOver: () => (open(), handedOver) };
}

function setup(make: TranscoderMaker) {
  let now = 0;
  const sent: Uint8Array[] = [];
  const sender = new CallAudioSender({ sink: { send: (p) => sent.push(p.payload) }, law: "PCMA", payloadType: 8, ptimeMs: 20, generateSilence: false, initialTimestamp: 0, now: () => now });
  const stream = new StreamHub().publish("tone", { kind: "webrtc", requestKeyframe: () => undefined, stop: () => undefined });
  stream.setConfig({ codec: "PCMA", sampleRate: 8000, channels: 1 });
  const injection = new CallInjection(stream, sender, "call-1", createLogger("test"), make);
  const play = (ms: number): void => {
    for (let t = 0; t < ms; t += 20) {
      now += 20;
      sender.tick();
    }
  };
  return { stream, sender, sent, injection, play };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("frames sent while the transcoder is being made go into the call, in order, once it is there", async () => {
  const { make, handOver } = slowMaker();
  const { stream, sent, injection, play } = setup(make);
  const frames = Array.from({ length: 20 }, (_, i) => tone(i));
  for (const f of frames.slice(0, 15)) stream.pushFrame(f);
  await handOver();
  for (const f of frames.slice(15)) stream.pushFrame(f);
  play(20 * 20);
  assert.is(injection.dropped, 0);
  assert.ok(Buffer.concat(sent).equals(Buffer.concat(frames.map((f) => f.data as Uint8Array))), "all 20 frames' bytes, as sent");
  injection.stop();
});

test("a transcoder that takes long: frames past the bound are counted as dropped, the first ones still go out", async () => {
  const { make, handOver } = slowMaker();
  const { stream, sent, injection, play } = setup(make);
  for (let i = 0; i < 130; i++) stream.pushFrame(tone(i));
  await handOver();
  play(100 * 20);
  assert.is(injection.dropped, 30);
  assert.ok(Buffer.from(sent[0]).equals(tone(0).data as Uint8Array), "the first frame goes out first");
  assert.is(sent.length, 50, "CallAudioSender keeps at most a second of injected audio");
  injection.stop();
});

test("a transcoder that cannot be made: the waiting frames are counted as dropped and nothing is sent", async () => {
  const { stream, sent, injection, play } = setup(() => Promise.reject(new Error("no codec")));
  for (let i = 0; i < 5; i++) stream.pushFrame(tone(i));
  await settle();
  play(200);
  assert.is(injection.dropped, 5);
  assert.is(sent.length, 0);
  injection.stop();
});

test.run();
