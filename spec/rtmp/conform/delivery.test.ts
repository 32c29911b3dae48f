import { test } from "uvu";
import * as assert from "uvu/assert";
import { ChunkReader } from "../../../src/rtmp/chunk/reader.ts";
import { compareDelivery, deliverySummary, handChunks } from "../../../src/rtmp/conform/delivery.ts";
import { gopTags, videoFrame, type MediaTag } from "../../../src/rtmp/conform/test-media.ts";

const sent = gopTags({ gops: 1, gopFrames: 4 });

test("every frame found by hash with the same timestamp distances: nothing missing", () => {
  const received = sent.map((t) => ({ ...t, timestamp: t.timestamp + 5000 }));
  const d = compareDelivery(sent, received);
  assert.is(d.matched, sent.length);
  assert.equal([d.missing, d.timestampErrors], [[], []]);
  assert.is(deliverySummary(d), `${sent.length}/${sent.length} frames byte-exact at the player`);
});

test("a changed byte, a dropped frame and a shifted timestamp are each reported", () => {
  const video = sent.filter((t) => t.kind === "video"); // #0 sequence header, #1 keyframe @0, #2 @40, #3 @80, #4 @120
  const corrupted = video[1]!.data.slice();
  corrupted[50]! ^= 1;
  const received: MediaTag[] = [video[0]!, { ...video[1]!, data: corrupted }, video[3]!, { ...video[4]!, timestamp: 127 }];
  const d = compareDelivery(video, received);
  assert.equal(d.missing, ["video #1 @0ms (600 bytes)", "video #2 @40ms (600 bytes)"]);
  assert.equal(d.timestampErrors, ["video #4 @120ms (600 bytes) arrived @127ms"]);
  assert.is(deliverySummary(d), "3/5 frames byte-exact at the player; 2 missing (first: video #1 @0ms (600 bytes)); 1 with another timestamp distance (first: video #4 @120ms (600 bytes) arrived @127ms)");
});

test("hand-made chunks (fmt 0 + fmt 3, extended timestamp repeated) read back as the message", () => {
  const payload = videoFrame(true, 7, 1000);
  const chunks = handChunks({ chunkStreamId: 300, messageStreamId: 1, timestamp: 0x1000001, typeId: 9, payload }, 128);
  assert.is(chunks.length, 8);
  assert.is(chunks[1]!.length, 2 + 4 + 128); // fmt 3: 2-byte basic header (csid 64..319), the extended timestamp again, payload
  const reader = new ChunkReader();
  const out = chunks.flatMap((c) => reader.push(c));
  assert.is(out.length, 1);
  assert.equal({ ...out[0]!, payload: [...out[0]!.payload] }, { chunkStreamId: 300, timestamp: 0x1000001, typeId: 9, messageStreamId: 1, payload: [...payload] });
});

test.run();
