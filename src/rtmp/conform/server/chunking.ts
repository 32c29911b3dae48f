/** Chunking scenarios (RTMP 1.0 sections 5.3.1 and 5.4.1): chunk sizes, header formats, extended timestamps. */
import { MESSAGE_TYPE } from "../../messages.ts";
import { handChunks, relayOutcome, startRelay } from "../delivery.ts";
import type { Scenario } from "../scenario.ts";
import { CS, sendTags, type Publishing } from "../steps.ts";
import { gopTags, videoFrame, type MediaTag } from "../test-media.ts";

/** A GOP whose frames are `size` bytes, so they span many chunks. */
function bigFrames(count: number, size: number, start = 0, seed = 0): MediaTag[] {
  return Array.from({ length: count }, (_, i) => ({ kind: "video" as const, timestamp: start + i * 40, data: videoFrame(i === 0, seed + i, size) }));
}

function chunkSizeScenario(id: string, size: number, frameSize: number): Scenario {
  return {
    id,
    title: `Set Chunk Size ${size}, then ${frameSize}-byte frames`,
    clause: "RTMP 1.0 §5.4.1",
    required: size <= 4096,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      relay.publisher.client.setChunkSize(size);
      const sent = [...gopTags({ gops: 0, audio: false }), ...bigFrames(6, frameSize)];
      sendTags(relay.publisher, sent);
      return relayOutcome(ctx, relay, sent, `sent with chunk size ${size}`);
    },
  };
}

/** Video messages through the client's writer, noting the fmt of each message's first chunk. */
function sendCounting(p: Publishing, tags: readonly MediaTag[], fmts: number[]): void {
  for (const t of tags) {
    const bytes = p.client.writer.write({ chunkStreamId: CS.video, messageStreamId: p.streamId, timestamp: t.timestamp, typeId: MESSAGE_TYPE.Video, payload: t.data });
    fmts.push(bytes[0]! >> 6);
    p.client.sendBytes(bytes);
  }
}

/** Frames sent with each chunk size in turn, Set Chunk Size between them. */
function chunkSizeChange(id: string, sizes: readonly number[], required: boolean): Scenario {
  return {
    id,
    title: `Set Chunk Size changed mid-stream (${sizes.join(", then ")})`,
    clause: "RTMP 1.0 §5.4.1",
    required,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const sent: MediaTag[] = [...gopTags({ gops: 0, audio: false })];
      sendTags(relay.publisher, sent);
      for (const [i, size] of sizes.entries()) {
        if (i > 0 || size !== 128) relay.publisher.client.setChunkSize(size);
        const part = bigFrames(4, 2500, i * 160, i * 10);
        sendTags(relay.publisher, part);
        sent.push(...part);
      }
      return relayOutcome(ctx, relay, sent, `4 frames of 2500 bytes with each chunk size`);
    },
  };
}

export const chunkingScenarios: Scenario[] = [
  chunkSizeScenario("CH-1", 4096, 10000),
  chunkSizeScenario("CH-2", 65536, 150000),
  chunkSizeChange("CH-3", [128, 1000, 4096], true),
  {
    id: "CH-4",
    title: "chunks of two messages interleaved across chunk streams",
    clause: "RTMP 1.0 §5.3 (multiplexing)",
    required: true,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const p = relay.publisher;
      const head = gopTags({ gops: 0, audio: false });
      sendTags(p, head);
      const sent: MediaTag[] = [...head];
      for (let i = 0; i < 6; i++) {
        // the first (shorter) message completes first, so timestamps stay in order at the server
        const video: MediaTag = { kind: "video", timestamp: i * 40, data: videoFrame(i === 0, 100 + i, 1100) };
        const other: MediaTag = { kind: "video", timestamp: i * 40 + 20, data: videoFrame(false, 200 + i, 1500) };
        const a = handChunks({ chunkStreamId: 20, messageStreamId: p.streamId, timestamp: video.timestamp, typeId: MESSAGE_TYPE.Video, payload: video.data }, 128);
        const b = handChunks({ chunkStreamId: 21, messageStreamId: p.streamId, timestamp: other.timestamp, typeId: MESSAGE_TYPE.Video, payload: other.data }, 128);
        for (let c = 0; c < Math.max(a.length, b.length); c++) {
          if (a[c]) p.client.sendBytes(a[c]!);
          if (b[c]) p.client.sendBytes(b[c]!);
        }
        sent.push(video, other);
      }
      return relayOutcome(ctx, relay, sent, "12 frames on chunk streams 20 and 21, chunk by chunk alternating");
    },
  },
  {
    id: "CH-5",
    title: "fmt 1, 2 and 3 message headers (compressed headers of one chunk stream)",
    clause: "RTMP 1.0 §5.3.1.2.2-5.3.1.2.4",
    required: true,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      sendTags(relay.publisher, gopTags({ gops: 0, audio: false }));
      // key 600 B, then 700-byte frames at 40 ms, then 33 ms: fmt 0, 1, 3, 3, 2, 3, 3 ...
      const stamps = [1000, 1040, 1080, 1120, 1153, 1186, 1219, 1252, 1292, 1332];
      const frames = stamps.map((ts, i): MediaTag => ({ kind: "video", timestamp: ts, data: videoFrame(i === 0, 300 + i, i === 0 ? 600 : 700) }));
      const fmts: number[] = [];
      sendCounting(relay.publisher, frames, fmts);
      return relayOutcome(ctx, relay, [...gopTags({ gops: 0, audio: false }), ...frames], `message header formats sent: ${fmts.join(",")}`);
    },
  },
  {
    id: "CH-6",
    title: "timestamps crossing 0xFFFFFF (16777215 ms) with delta headers",
    clause: "RTMP 1.0 §5.3.1.3",
    required: true,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const sent = gopTags({ gops: 1, gopFrames: 12, start: 0xffffff - 200 });
      sendTags(relay.publisher, sent);
      return relayOutcome(ctx, relay, sent, `timestamps ${sent[0]!.timestamp}..${sent[sent.length - 1]!.timestamp}`);
    },
  },
  {
    id: "CH-7",
    title: "extended timestamps in fmt 0 headers and repeated in fmt 3 continuation chunks",
    clause: "RTMP 1.0 §5.3.1.3",
    required: true,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const p = relay.publisher;
      const sent: MediaTag[] = [...gopTags({ gops: 0, audio: false, start: 0x1000000 })];
      sendTags(p, sent);
      for (let i = 0; i < 6; i++) {
        const t: MediaTag = { kind: "video", timestamp: 0x1000000 + i * 40, data: videoFrame(i === 0, 400 + i, 1000) };
        for (const chunk of handChunks({ chunkStreamId: 22, messageStreamId: p.streamId, timestamp: t.timestamp, typeId: MESSAGE_TYPE.Video, payload: t.data }, 128)) p.client.sendBytes(chunk);
        sent.push(t);
      }
      return relayOutcome(ctx, relay, sent, "6 frames of 8 chunks each at 16777216 ms and later, every header with the extended timestamp");
    },
  },
  {
    id: "CH-8",
    title: "chunk stream ids above 63 and above 319 (2- and 3-byte basic headers)",
    clause: "RTMP 1.0 §5.3.1.1",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const p = relay.publisher;
      const sent = gopTags({ gops: 1 });
      for (const t of sent) {
        p.client.send({ chunkStreamId: t.kind === "audio" ? 100 : 400, messageStreamId: p.streamId, timestamp: t.timestamp, body: t.kind === "audio" ? { type: "Audio", data: t.data } : { type: "Video", data: t.data } });
      }
      return relayOutcome(ctx, relay, sent, "audio on chunk stream 100, video on 400");
    },
  },
  chunkSizeChange("CH-9", [128, 1000, 300], false),
];
