/**
 * Issue 4, "Kill nginx mid-stream and start it again": a stream fed in real time from a looping FLV
 * file is republished by a transponder (the real RtmpPublisher) to nginx-rtmp with recording on.
 * nginx is SIGKILLed: the transponder goes RECONNECTING with the error; nginx comes back on the same
 * port: the transponder is ACTIVE again by itself, and the second recording decodes cleanly from a
 * keyframe with the same codecs and size.
 */
import { closeSync, copyFileSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { AudioConfig, AudioFrame, Frame, TrackConfig } from "../../src/codecs/frame.ts";
import { makeConfig } from "../../src/config.ts";
import type { AudioPath } from "../../src/core/push/audio-path.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import type { Stream } from "../../src/core/stream/stream.ts";
import { TransponderRegistry, type RegisteredTransponder } from "../../src/core/push/transponders.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { frameFromTag } from "../../src/flv/frames.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sleep, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { cutSource, firstVideoPacketFlags, probe } from "./rtmp-publisher-media.ts";
import { killChildren } from "../support/process.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/transponder reconnects when nginx-rtmp dies and comes back", ["ffmpeg", "ffprobe", "nginx"]);

type Item = { type: "config"; config: TrackConfig } | { type: "frame"; frame: Frame };

/** Audio as it comes (AAC in, AAC out): the transcoding path is not under test here. */
class PassThroughAudio implements AudioPath {
  config: AudioConfig | undefined;
  readonly muted = false;
  readonly soundEnabled = false;
  setSourceConfig(config: AudioConfig): void {
    this.config = config;
  }
  push(frame: AudioFrame): AudioFrame[] {
    return [frame];
  }
  tick(): AudioFrame[] {
    return [];
  }
  onOutput(): void {}
  setMuted(): void {}
  soundOn(): void {}
  soundOff(): void {}
  close(): void {}
}

/** Configs and frames of an FLV file, in file order, through FlvReader and frameFromTag. */
function readItems(path: string): Item[] {
  const fd = openSync(path, "r");
  const reader = new FlvReader();
  const items: Item[] = [];
  let nalLengthSize = 4;
  try {
    for (;;) {
      const buffer = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      for (const out of reader.push(buffer.subarray(0, n))) {
        if (out.type !== "tag") continue;
        const media = frameFromTag({ tagType: out.header.tagType, timestamp: out.header.timestamp, data: out.data }, { nalLengthSize });
        if (media.type === "config") {
          nalLengthSize = media.nalLengthSize ?? nalLengthSize;
          items.push({ type: "config", config: media.config });
        } else if (media.type === "frame") items.push({ type: "frame", frame: media.frame });
      }
    }
  } finally {
    closeSync(fd);
  }
  return items;
}

/** Pushes the items into the stream at real-time pace, looping with growing timestamps, until stopped. */
function feedLoop(stream: Stream, items: readonly Item[]): { stop: () => void; loops: () => number } {
  const frames = items.filter((i): i is Extract<Item, { type: "frame" }> => i.type === "frame").map((i) => i.frame);
  const first = Math.min(...frames.map((f) => f.dts));
  const period = Math.max(...frames.map((f) => f.dts)) - first + 40;
  for (const item of items) if (item.type === "config") stream.setConfig(item.config);
  let stopped = false;
  let loops = 0;
  const startWall = performance.now();
  void (async () => {
    for (let offset = 0; !stopped; offset += period, loops++) {
      for (const frame of frames) {
        if (stopped) return;
        const dts = offset + frame.dts - first;
        const ahead = startWall + dts - performance.now();
        if (ahead > 2) await sleep(ahead);
        stream.pushFrame({ ...frame, dts, pts: offset + frame.pts - first });
      }
    }
  })();
  return { stop: () => (stopped = true), loops: () => loops };
}

let dir = "";
let nginx: NginxRtmp | undefined;
let feeder: { stop: () => void } | undefined;
let registry: TransponderRegistry | undefined;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-reconnect-"));
});

test.after(async () => {
  try {
    feeder?.stop();
    registry?.close();
  } finally {
    killChildren();
    await nginx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

test("a transponder goes RECONNECTING when nginx is killed and ACTIVE again when it returns; the new recording starts at a keyframe and decodes cleanly", async () => {
  const source = await cutSource(dir, 4.5);
  const items = readItems(source);
  nginx = await NginxRtmp.start();
  const hub = new StreamHub();
  const stream = hub.publish("loop", { kind: "file", requestKeyframe: () => {}, stop: () => {} });
  feeder = feedLoop(stream, items);

  const transitions: string[] = [];
  registry = new TransponderRegistry({
    hub,
    config: makeConfig({ rtmp_reconnect_min_delay: 200, rtmp_reconnect_max_delay: 800, rtmp_transponder_stream_name_prefix: "" }),
    connect: (target, flashVer) => new RtmpPublisher(target, { flashVer, timeoutMs: 3000 }),
    audioPath: () => new PassThroughAudio(),
    loadSound: () => Promise.reject(new Error("no sounds in this test")),
    resolveHost: async () => {},
  });
  registry.on("state", ({ from, to }) => transitions.push(`${from}->${to}`));
  const job: RegisteredTransponder = await registry.startup({ streamName: "loop", rtmpUrl: nginx.url("live") });
  const t = job.transponder;
  await waitFor("ACTIVE", () => (t.status === "ACTIVE" ? true : undefined), 10000);
  // a file cannot make a keyframe on request: media flows from the loop's next keyframe on
  await waitFor("nginx to record a few seconds", () => (nginx!.recordedBytes("loop") > 300_000 ? true : undefined), 15000);

  await nginx.kill();
  await waitFor("RECONNECTING after the kill", () => (t.status === "RECONNECTING" ? true : undefined), 10000);
  assert.ok(t.lastError.length > 0, "the transponder says why it reconnects");
  const lostWith = t.lastError;
  // nginx stays away: the first attempt fails with "connection refused" and the job tries again
  await waitFor("a second attempt while nginx is down", () => (t.reconnects >= 2 ? true : undefined), 15000);
  assert.ok(t.status === "RECONNECTING" || t.status === "CONNECTING", `still trying, not ${t.status}`);
  assert.ok(t.reconnects >= 1, `retried while nginx was down (${t.reconnects})`);
  copyFileSync(nginx.recording("loop"), join(dir, "first.flv"));

  await nginx.restart();
  await waitFor("ACTIVE again by itself", () => (t.status === "ACTIVE" ? true : undefined), 10000);
  assert.is(t.lastError, "", "the error clears once publishing again");
  // long enough for the next keyframe of the loop (every ~4.5 s) and a few seconds after it
  await sleep(7000);
  registry.terminate(t.options.id);
  const rec = await nginx.recordingClosed("loop");

  assert.is(await decodeErrors(rec), "", "the second recording decodes cleanly");
  const flags = await firstVideoPacketFlags(rec);
  assert.ok(flags[0]?.startsWith("K"), `the second recording starts at a keyframe (flags ${flags[0]})`);
  const got = await probe(rec);
  assert.is(got.video?.codec, "h264");
  assert.is(got.video?.width, 480);
  assert.is(got.video?.height, 270);
  assert.is(got.audio?.codec, "aac");
  assert.ok((got.video?.frames ?? 0) >= 60, `at least 2 s of video after the reconnect (${got.video?.frames} frames)`);
  const first = await probe(join(dir, "first.flv"));
  assert.ok((first.video?.frames ?? 0) >= 30, `the first recording has the media before the kill (${first.video?.frames} frames)`);
  assert.ok(transitions.includes("ACTIVE->RECONNECTING"), transitions.join(" "));
  assert.ok(transitions.filter((x) => x === "CONNECTING->ACTIVE").length >= 2, transitions.join(" "));
  console.log(`  reconnect: lost with "${lostWith}"; ${t.reconnects} reconnect attempts; transitions ${transitions.join(" ")}`);
});

test.run();
