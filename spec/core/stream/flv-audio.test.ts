import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OpusPacketEncoder } from "../../../src/audio/opus-encoder.ts";
import { inThreadTranscoder, type TranscoderMaker } from "../../../src/audio/transcoders.ts";
import { FlvAudioFeeds } from "../../../src/core/stream/flv-audio.ts";
import { FlvSink, type TagTarget } from "../../../src/core/stream/flv-sink.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import type { MediaSource } from "../../../src/core/stream/media-sink.ts";
import type { FlvTag } from "../../../src/flv/tag.ts";
import { createLogger } from "../../../src/log.ts";
import { waitFor } from "../../support/net.ts";

const test = suite("core/flv-audio");
const source: MediaSource = { kind: "file", requestKeyframe: () => {}, stop: () => {} };
const SOUND_FORMAT = (tag: FlvTag): number => tag.data[0]! >> 4;

function collecting(): TagTarget & { audio: FlvTag[] } {
  const t = { audio: [] as FlvTag[], congested: false, send: (tags: readonly FlvTag[]) => void t.audio.push(...tags.filter((x) => x.tagType === 8)), end: () => {} };
  return t;
}

/** inThreadTranscoder, counting the transcoders made and closed. */
function countingMaker(): { make: TranscoderMaker; made: number; ready: number; closed: number } {
  const c = {
    made: 0,
    ready: 0,
    closed: 0,
    make: (async (options, deliver) => {
      c.made++;
      const t = await inThreadTranscoder(options, deliver);
      const close = t.close.bind(t);
      t.close = () => (c.closed++, close());
      c.ready++;
      return t;
    }) as TranscoderMaker,
  };
  return c;
}

test("two FLV sinks of an Opus stream share one AAC transcoder, which closes with the last", async () => {
  const counter = countingMaker();
  const feeds = new FlvAudioFeeds(() => counter.make, 128000, createLogger("t"));
  const stream = new StreamHub().publish("browser", source);
  stream.setConfig({ codec: "OPUS", sampleRate: 48000, channels: 2 });
  const [a, b] = [collecting(), collecting()];
  const detachA = feeds.attach(stream, new FlvSink({ target: a, queueMs: 3000 }), "rtmp");
  const detachB = feeds.attach(stream, new FlvSink({ target: b, queueMs: 3000 }), "flv");
  await waitFor("the transcoder", () => (counter.ready === 1 ? true : undefined));
  await new Promise((r) => setImmediate(r));
  const encoder = new OpusPacketEncoder({ channels: 2, bitrate: 64000 });
  const pcm = new Float32Array(960 * 2);
  for (let i = 0; i < 50; i++) {
    for (let n = 0; n < 960; n++) pcm[2 * n] = pcm[2 * n + 1] = 0.5 * Math.sin((2 * Math.PI * 1000 * (i * 960 + n)) / 48000);
    for (const data of encoder.encode(pcm)) stream.pushFrame({ kind: "audio", codec: "OPUS", dts: i * 20, pts: i * 20, key: true, data });
  }
  assert.ok(a.audio.length > 30, `${a.audio.length} AAC tags`);
  assert.ok(a.audio.every((t) => SOUND_FORMAT(t) === 10), "every audio tag is AAC");
  assert.equal(b.audio.map((t) => t.data), a.audio.map((t) => t.data), "both sinks get the same AAC");
  assert.is(counter.made, 1);
  detachA();
  assert.is(feeds.size, 1);
  detachB();
  assert.is(feeds.size, 0);
  assert.is(counter.closed, 1);
});

test("G.711 passes through FLV sinks untouched, with no transcoder", () => {
  const counter = countingMaker();
  const feeds = new FlvAudioFeeds(() => counter.make, 128000, createLogger("t"));
  const stream = new StreamHub().publish("sip", source);
  stream.setConfig({ codec: "PCMA", sampleRate: 8000, channels: 1 });
  const target = collecting();
  feeds.attach(stream, new FlvSink({ target, queueMs: 3000 }), "record");
  const payload = Uint8Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff);
  for (let i = 0; i < 5; i++) stream.pushFrame({ kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: payload });
  assert.is(target.audio.length, 5);
  assert.ok(target.audio.every((t) => SOUND_FORMAT(t) === 7 && Buffer.from(t.data.subarray(1)).equals(payload)));
  assert.is(counter.made, 0);
  stream.end("over", false);
  assert.is(feeds.size, 0, "the stream's end releases its feed");
});

test.run();
