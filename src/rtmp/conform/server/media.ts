/** Media scenarios: big frames, timestamps going back, metadata, sequence headers for late players. */
import { awaitDelivery, deliveryOutcome, deliverySummary, joinPlayer, relayOutcome, startRelay } from "../delivery.ts";
import { isCommand } from "../raw-client.ts";
import { fail, pass, unsupported, type Scenario } from "../scenario.ts";
import { publishStarted, receivedTags, sendMetadata, sendTags } from "../steps.ts";
import { gopTags, isSequenceHeader, videoFrame, type MediaTag } from "../test-media.ts";

const MIB = 1 << 20;

export const mediaScenarios: Scenario[] = [
  {
    id: "MD-1",
    title: "a 1 MiB keyframe",
    clause: "RTMP 1.0 §5.3.1.2.1 (24-bit message length)",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx);
      const sent: MediaTag[] = [...gopTags({ gops: 0, audio: false }), { kind: "video", timestamp: 0, data: videoFrame(true, 900, MIB) }];
      for (let i = 1; i < 5; i++) sent.push({ kind: "video", timestamp: i * 40, data: videoFrame(false, 900 + i) });
      sendTags(relay.publisher, sent);
      return relayOutcome(ctx, relay, sent, "a keyframe of 1048576 bytes and 4 small frames");
    },
  },
  {
    id: "MD-2",
    title: "video timestamps going back 400 ms mid-stream (an encoder restart)",
    clause: "RTMP 1.0 §5.3.1.2 (timestamps; no rule for going back)",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx);
      const before = gopTags({ gops: 1, audio: false, start: 1000 });
      const after = gopTags({ gops: 1, audio: false, start: 1000 + 10 * 40 - 400, seed: 950 }).slice(1);
      const sent = [...before, ...after];
      sendTags(relay.publisher, sent);
      if (!relay.player) return relayOutcome(ctx, relay, sent, "timestamps went back by 400 ms");
      const delivery = await awaitDelivery(relay.player.client, sent, ctx.timeoutMs);
      const stamps = delivery.received.filter((t) => t.kind === "video").map((t) => t.timestamp);
      const wentBack = stamps.some((ts, i) => i > 0 && ts < stamps[i - 1]!);
      const outcome = deliveryOutcome(delivery, wentBack ? "the player sees the jump back as sent" : "the server rewrote the timestamps to stay monotonic", false);
      return outcome;
    },
  },
  {
    id: "MD-3",
    title: "@setDataFrame onMetaData reaches a player as onMetaData",
    clause: "FLV onMetaData; FMLE @setDataFrame",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx);
      if (!relay.player) {
        sendMetadata(relay.publisher, { width: 64, height: 64 });
        return relayOutcome(ctx, relay, [], "sent @setDataFrame onMetaData");
      }
      sendMetadata(relay.publisher, { width: 64, height: 64, videocodecid: 7, audiocodecid: 10, conform: "md-3" });
      sendTags(relay.publisher, gopTags({ gops: 1 }));
      const meta = await relay.player.client.maybe((m) => (m.body.type === "Data" || isCommand(m)) && JSON.stringify(m.body).includes("onMetaData"), ctx.timeoutMs);
      if (!meta) return fail(`no onMetaData at the player within ${ctx.timeoutMs} ms`);
      const text = JSON.stringify(meta.body.type === "Data" ? meta.body.values : []);
      return pass(`onMetaData arrived${text.includes('"width":64') ? " with width 64" : " (rewritten: no width 64)"}${text.includes("md-3") ? ", our fields kept" : ", rebuilt by the server"}`);
    },
  },
  {
    id: "MD-4",
    title: "a player joining after the sequence headers were sent gets them before the first frame",
    clause: "FLV AVCPacketType 0 / AACPacketType 0 (ISO 14496-15 decoder configuration)",
    required: true,
    async run(ctx) {
      const name = ctx.streamName();
      const publisher = await publishStarted(await ctx.open(), ctx.target, name);
      const first = gopTags({ gops: 1 });
      sendTags(publisher, first);
      const { player, playProblem } = await joinPlayer(ctx, name);
      if (!player) return unsupported(playProblem);
      const second = gopTags({ gops: 1, start: 400, seed: 1000 }).slice(2);
      sendTags(publisher, second);
      await awaitDelivery(player.client, second, ctx.timeoutMs);
      const got = receivedTags(player.client);
      const firstVideo = got.findIndex((t) => t.kind === "video" && !isSequenceHeader("video", t.data));
      const firstAudio = got.findIndex((t) => t.kind === "audio" && !isSequenceHeader("audio", t.data));
      const avc = got.findIndex((t) => t.kind === "video" && isSequenceHeader("video", t.data));
      const aac = got.findIndex((t) => t.kind === "audio" && isSequenceHeader("audio", t.data));
      if (firstVideo < 0) return fail(`no video frame reached the late player (${deliverySummary(await awaitDelivery(player.client, second, 1))})`);
      const problems = [
        ...(avc < 0 || avc > firstVideo ? ["no AVC sequence header before the first video frame"] : []),
        ...(firstAudio >= 0 && (aac < 0 || aac > firstAudio) ? ["no AAC sequence header before the first audio frame"] : []),
      ];
      const same = avc >= 0 && got[avc]!.data.length === first[0]!.data.length;
      return problems.length ? fail(problems.join("; ")) : pass(`AVC${aac >= 0 ? " and AAC" : ""} sequence headers first${same ? ", the bytes that were published" : ""}`);
    },
  },
];
