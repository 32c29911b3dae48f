/**
 * Protocol control scenarios (RTMP 1.0 sections 5.4 and 7.1): Abort, acknowledgement windows, ping,
 * aggregate messages.
 */
import { MESSAGE_TYPE } from "../../messages.ts";
import { answersPing, awaitDelivery, deliverySummary, handChunks, relayOutcome, startRelay } from "../delivery.ts";
import { fail, pass, unsupported, type Scenario } from "../scenario.ts";
import { connectApp, fullConnectObject, play, publishStarted, sendTags } from "../steps.ts";
import { gopTags, videoFrame, type MediaTag } from "../test-media.ts";

export const controlScenarios: Scenario[] = [
  {
    id: "CT-1",
    title: "Abort Message drops the partly sent message; the next one on that chunk stream arrives",
    clause: "RTMP 1.0 §5.4.2",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const p = relay.publisher;
      const sent = gopTags({ gops: 0, audio: false });
      sendTags(p, sent);
      const aborted = videoFrame(true, 500, 1000);
      const first = handChunks({ chunkStreamId: 23, messageStreamId: p.streamId, timestamp: 0, typeId: MESSAGE_TYPE.Video, payload: aborted }, 128);
      p.client.sendBytes(first[0]!);
      p.client.sendBytes(first[1]!);
      p.client.sendControl({ type: "Abort", chunkStreamId: 23 });
      for (let i = 0; i < 5; i++) {
        const t: MediaTag = { kind: "video", timestamp: i * 40, data: videoFrame(i === 0, 510 + i, 700) };
        for (const chunk of handChunks({ chunkStreamId: 23, messageStreamId: p.streamId, timestamp: t.timestamp, typeId: MESSAGE_TYPE.Video, payload: t.data }, 128)) p.client.sendBytes(chunk);
        sent.push(t);
      }
      if (!relay.player) return relayOutcome(ctx, relay, sent, "2 of 8 chunks of a frame, Abort, then 5 whole frames on the same chunk stream");
      const delivery = await awaitDelivery(relay.player.client, sent, ctx.timeoutMs);
      const leaked = delivery.received.some((t) => t.data.length === aborted.length && t.data[20] === aborted[20] && t.data[21] === aborted[21]);
      if (leaked) return fail("the aborted frame (or its first chunks) reached the player");
      return delivery.missing.length === 0 ? pass(`${deliverySummary(delivery)}; the aborted frame did not`) : fail(deliverySummary(delivery));
    },
  },
  {
    id: "CT-2",
    title: "server sends Acknowledgements at the window the client set",
    clause: "RTMP 1.0 §5.4.3, §5.4.4",
    required: true,
    async run(ctx) {
      const client = await ctx.open();
      const window = 50000;
      client.sendControl({ type: "WindowAckSize", size: window });
      const p = await publishStarted(client, ctx.target, ctx.streamName());
      const frames: MediaTag[] = [...gopTags({ gops: 0, audio: false }), ...Array.from({ length: 40 }, (_, i) => ({ kind: "video" as const, timestamp: i * 40, data: videoFrame(i === 0, 600 + i, 5000) }))];
      sendTags(p, frames);
      const bytes = frames.reduce((n, t) => n + t.data.length, 0);
      const ack = await client.maybe((m) => m.body.type === "Acknowledgement", ctx.timeoutMs);
      await answersPing(client, ctx.timeoutMs); // give later acknowledgements time to come in
      const acks = client.messages.flatMap((m) => (m.body.type === "Acknowledgement" ? [m.body.sequenceNumber] : []));
      if (!ack) return fail(`no Acknowledgement after ${bytes} bytes of media with a window of ${window}`);
      // one socket read may hold more than a window, so a gap of up to 64 KiB more is still on time
      const gaps = acks.map((seq, i) => seq - (i === 0 ? 0 : acks[i - 1]!));
      const late = gaps.findIndex((g) => g > window + 65536);
      const list = `sequence numbers ${acks.slice(0, 4).join(", ")}${acks.length > 4 ? ", ..." : ""}`;
      if (late >= 0) return fail(`Acknowledgement ${late + 1} came ${gaps[late]} bytes after the previous one, window ${window} (${list})`);
      const early = gaps[0]! < window / 1.5 ? "; acknowledges more often than the window asks" : "";
      return pass(`${acks.length} Acknowledgements for ${bytes} bytes of media (${list})${early}`);
    },
  },
  {
    id: "CT-3",
    title: "a player that never acknowledges: does the server hold back output past its window?",
    clause: "RTMP 1.0 §5.4.3, §5.4.4",
    required: false,
    async run(ctx) {
      const name = ctx.streamName();
      const p = await publishStarted(await ctx.open(), ctx.target, name);
      const silent = await ctx.open({ autoAck: false });
      const playing = await play(silent, ctx.target, name);
      if (playing.status.code !== "NetStream.Play.Start") return unsupported(`play answered ${playing.status.code}`);
      const window = silent.messages.flatMap((m) => (m.body.type === "WindowAckSize" ? [m.body.size] : []))[0];
      if (window === undefined) return unsupported("the server announced no Window Acknowledgement Size to the player");
      const frameSize = 100000;
      const count = Math.ceil((window * 2) / frameSize) + 2;
      const sent = Array.from({ length: count }, (_, i) => ({ kind: "video" as const, timestamp: i * 40, data: videoFrame(i === 0, 700 + i, frameSize) }));
      p.client.setChunkSize(65536);
      sendTags(p, [...gopTags({ gops: 0, audio: false }), ...sent]);
      await silent.until("output past twice the window", () => (silent.bytesIn > window * 2 ? true : undefined), ctx.timeoutMs, true).catch(() => undefined);
      if (silent.bytesIn > window * 2) return unsupported(`kept sending without Acknowledgements: ${silent.bytesIn} bytes with a window of ${window} (no acknowledgement-based flow control)`);
      return pass(`held back at ${silent.bytesIn} bytes with a window of ${window}${silent.closed ? ` and closed: ${silent.closeReason}` : ""}`);
    },
  },
  {
    id: "CT-4",
    title: "Ping Request from the client is answered with a Ping Response carrying its timestamp",
    clause: "RTMP 1.0 §7.1.7 (User Control events 6 and 7)",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      await connectApp(client, fullConnectObject(ctx.target));
      return (await answersPing(client, ctx.timeoutMs)) ? pass("Ping Response with the same timestamp") : fail(`no Ping Response within ${ctx.timeoutMs} ms`);
    },
  },
  {
    id: "CT-5",
    title: "Aggregate message carrying audio and video sub-messages",
    clause: "RTMP 1.0 §7.1.6",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx, "minimal");
      const p = relay.publisher;
      const head = gopTags({ gops: 0 });
      sendTags(p, head);
      const frames = gopTags({ gops: 1, gopFrames: 8, start: 0, seed: 800 }).slice(2);
      const messages = frames.map((t) => ({ chunkStreamId: 4, timestamp: t.timestamp, typeId: t.kind === "audio" ? 8 : 9, messageStreamId: p.streamId, payload: t.data }));
      for (let i = 0; i < messages.length; i += 4) {
        const group = messages.slice(i, i + 4);
        p.client.send({ chunkStreamId: 4, messageStreamId: p.streamId, timestamp: group[0]!.timestamp, body: { type: "Aggregate", messages: group } });
      }
      return relayOutcome(ctx, relay, [...head, ...frames], `${frames.length} frames in ${Math.ceil(frames.length / 4)} aggregate messages`);
    },
  },
];
