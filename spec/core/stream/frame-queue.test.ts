import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame } from "../../../src/codecs/frame.ts";
import { FrameQueue } from "../../../src/core/stream/frame-queue.ts";

const test = suite("core/frame-queue");
const video = (dts: number, key = false): Frame => ({ kind: "video", codec: "H264", dts, pts: dts, key, data: [new Uint8Array([key ? 0x65 : 0x41])] });
const audio = (dts: number): Frame => ({ kind: "audio", codec: "AAC", dts, pts: dts, key: true, data: new Uint8Array(4) });

function drain(q: FrameQueue): Frame[] {
  const out: Frame[] = [];
  for (let f = q.shift(); f; f = q.shift()) out.push(f);
  return out;
}

test("frames within the span pass in order", () => {
  const q = new FrameQueue(1000);
  q.push(video(0, true));
  q.push(audio(10));
  q.push(video(33));
  assert.equal(drain(q).map((f) => f.dts), [0, 10, 33]);
});

test("an overflowing queue drops video up to the next keyframe, never half a GOP", () => {
  const q = new FrameQueue(100);
  for (let t = 0; t <= 120; t += 40) q.push(video(t, t === 0)); // 0K 40 80 120: overflow at 120
  q.push(video(160)); // inter frame after the drop: still dropped
  q.push(video(200, true)); // next keyframe resumes
  q.push(video(240));
  const out = drain(q);
  assert.equal(out.map((f) => f.dts), [200, 240]);
  assert.ok(out[0]!.kind === "video" && out[0]!.key);
  assert.is(q.stats.droppedVideo, 5);
});

test("an overflow keeps the newest queued keyframe and what follows it", () => {
  const q = new FrameQueue(100);
  q.push(video(0, true));
  q.push(video(40));
  q.push(video(80, true));
  q.push(video(120)); // span 120 > 100: drop 0 and 40, keep 80K and 120
  assert.equal(drain(q).map((f) => f.dts), [80, 120]);
  assert.is(q.stats.droppedVideo, 2);
});

test("audio older than the span is dropped, recent audio kept", () => {
  const q = new FrameQueue(100);
  q.push(audio(0));
  q.push(audio(50));
  q.push(audio(150));
  assert.equal(drain(q).map((f) => f.dts), [50, 150]);
  assert.is(q.stats.droppedAudio, 1);
});

test.run();
