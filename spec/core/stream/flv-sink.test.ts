import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { flvByteTarget, FlvSink, type TagTarget } from "../../../src/core/stream/flv-sink.ts";
import { amf0Properties } from "../../../src/flv/amf0.ts";
import { FlvReader } from "../../../src/flv/file-reader.ts";
import { frameFromTag } from "../../../src/flv/frames.ts";
import { decodeScriptData } from "../../../src/flv/metadata.ts";
import type { FlvTag } from "../../../src/flv/tag.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { fixture } from "../../support/fixtures.ts";
import { BBB, fixtureTags } from "../../rtmp/server/peers.ts";
import { decodeErrors } from "../../support/ffmpeg.ts";

const test = suite("core/flv-sink");

/** The fixture's configs and frames, as a publisher would feed the hub. */
function fixtureMedia(untilMs: number): { configs: TrackConfig[]; frames: Frame[] } {
  const configs: TrackConfig[] = [];
  const frames: Frame[] = [];
  let nal = 4;
  for (const tag of fixtureTags(undefined, untilMs)) {
    const m = frameFromTag(tag, { nalLengthSize: nal });
    if (m.type === "config") {
      configs.push(m.config);
      nal = m.nalLengthSize ?? nal;
    } else if (m.type === "frame") frames.push(m.frame);
  }
  return { configs, frames };
}

function recordingTarget(): TagTarget & { tags: FlvTag[]; ended?: string; congestedNow: boolean } {
  const t = {
    tags: [] as FlvTag[],
    ended: undefined as string | undefined,
    congestedNow: false,
    send: (tags: readonly FlvTag[]) => void t.tags.push(...tags),
    get congested() {
      return t.congestedNow;
    },
    end: (r: string) => void (t.ended = r),
  };
  return t;
}

const describe = (tags: readonly FlvTag[]): string[] =>
  tags.map((t) => (t.tagType === 18 ? "script" : t.tagType === 9 ? `video ${t.data[0]! >> 4 === 1 ? "key" : "inter"} ${t.data[1]}` : `audio ${t.data[1]}`));

test("the consumer gets onMetaData, both sequence headers, then frames from the first keyframe at timestamp 0", () => {
  const { configs, frames } = fixtureMedia(6000);
  const target = recordingTarget();
  const sink = new FlvSink({ target, queueMs: 3000, publisherMetadata: () => ({ framerate: 30, encoder: "Lavf61" }) });
  for (const c of configs) sink.config(c);
  // join mid-GOP: the frames before the 4.0 s keyframe must not be sent
  for (const f of frames.filter((f) => f.dts >= 1000)) sink.frame(f);
  assert.equal(describe(target.tags.slice(0, 4)), ["script", "video key 0", "audio 0", "video key 1"]);
  const firstVideo = target.tags[3]!;
  assert.is(firstVideo.timestamp, 0);
  const meta = decodeScriptData(target.tags[0]!.data);
  assert.is(meta.type, "metadata");
  if (meta.type === "metadata") assert.equal([meta.metadata.width, meta.metadata.height, meta.metadata.framerate, meta.metadata.videocodecid, meta.metadata.audiocodecid, meta.metadata.stereo], [480, 270, 30, 7, 10, true]);
  assert.is(amf0Properties(meta.type === "metadata" ? meta.values[0]! : null)?.encoder, "Lavf61");
  const sentVideo = target.tags.filter((t) => t.tagType === 9 && t.data[1] === 1).length;
  assert.is(sentVideo, frames.filter((f) => f.kind === "video" && f.dts >= 4000).length);
});

test("while the consumer is congested, frames queue and video is dropped up to the next keyframe", () => {
  const { configs, frames } = fixtureMedia(12000);
  const target = recordingTarget();
  const sink = new FlvSink({ target, queueMs: 1000 });
  for (const c of configs) sink.config(c);
  sink.frame(frames[0]!);
  target.congestedNow = true;
  for (const f of frames.slice(1)) sink.frame(f);
  const duringCongestion = target.tags.length;
  assert.ok(sink.stats.droppedVideo > 0 && sink.stats.droppedAudio > 0, JSON.stringify(sink.stats));
  target.congestedNow = false;
  sink.drain();
  assert.ok(target.tags.length > duringCongestion);
  const video = target.tags.filter((t) => t.tagType === 9 && t.data[1] === 1);
  // after the gap, video resumes at a keyframe
  const firstAfterGap = video.find((t, i) => i > 0 && t.timestamp - video[i - 1]!.timestamp > 100);
  assert.ok(firstAfterGap, "a gap where video was dropped");
  assert.is(firstAfterGap!.data[0]! >> 4, 1, "resumes with a keyframe");
});

test("a config change after the start sends a new sequence header at once", () => {
  const { configs, frames } = fixtureMedia(500);
  const target = recordingTarget();
  const sink = new FlvSink({ target, queueMs: 3000 });
  for (const c of configs) sink.config(c);
  for (const f of frames) sink.frame(f);
  const before = target.tags.length;
  sink.config(configs.find((c) => c.codec === "H264")!);
  assert.equal(describe(target.tags.slice(before)), ["video key 0"]);
});

test("end is passed to the target once and later frames are ignored", () => {
  const target = recordingTarget();
  const sink = new FlvSink({ target, queueMs: 3000 });
  sink.end("gone");
  sink.end("again");
  sink.frame({ kind: "audio", codec: "AAC", dts: 0, pts: 0, key: true, data: new Uint8Array(4) });
  assert.is(target.ended, "gone");
  assert.is(target.tags.length, 0);
});

test.run();

const ff = e2eSuite("core/flv-sink vs ffmpeg", ["ffmpeg"]);
function writeThroughSink(path: string, fromMs: number, untilMs: number): Uint8Array {
  const { configs, frames } = fixtureMedia(untilMs);
  const chunks: Uint8Array[] = [];
  const out = { write: (b: Uint8Array) => (chunks.push(b), true), end: () => {}, writableLength: 0 };
  const sink = new FlvSink({ target: flvByteTarget(out, { hasAudio: true, hasVideo: true }), queueMs: 3000 });
  for (const c of configs) sink.config(c);
  for (const f of frames.filter((f) => f.dts >= fromMs)) sink.frame(f);
  sink.end("done");
  const bytes = Buffer.concat(chunks);
  writeFileSync(path, bytes);
  return bytes;
}

const packets = (path: string): string[] =>
  spawnSync("ffprobe", ["-v", "error", "-show_entries", "packet=stream_index,pts,dts,flags,size", "-of", "csv", path], { encoding: "utf8" }).stdout.trim().split("\n");

ff("a consumer attached from the start gets an FLV that ffmpeg decodes with no errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-flv-sink-"));
  try {
    const path = join(dir, "out.flv");
    const bytes = writeThroughSink(path, 0, 5000);
    assert.is(await decodeErrors(path), "");
    const tags = new FlvReader({ strictPreviousTagSize: true }).push(bytes).filter((o) => o.type === "tag");
    assert.ok(tags.length > 300);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

ff("a consumer joining mid-GOP gets the same packets as ffmpeg's own cut at that keyframe (-ss 4 -c copy)", () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-flv-sink-"));
  try {
    const ours = join(dir, "ours.flv");
    writeThroughSink(ours, 1000, 7000);
    const cut = join(dir, "cut.flv");
    const r = spawnSync("ffmpeg", ["-hide_banner", "-v", "error", "-ss", "4", "-i", fixture(BBB), "-t", "2", "-c", "copy", cut], { encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    // bbb's video has a constant 500 ms composition offset; timestamps, flags and sizes must match
    assert.equal(packets(ours).slice(0, 40), packets(cut).slice(0, 40));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
ff.run();
