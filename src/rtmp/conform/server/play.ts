/** Play scenarios: what a player gets compared with what went in (RTMP 1.0 section 7.2.2.1). */
import { awaitDelivery, deliveryOutcome, firstVideo, joinPlayer, relayOutcome, startRelay } from "../delivery.ts";
import { isCommand } from "../raw-client.ts";
import { fail, pass, unsupported, type Scenario } from "../scenario.ts";
import { play, publishStarted, sendTags, unpublish } from "../steps.ts";
import { gopTags, isKeyframe } from "../test-media.ts";
import { statusOf } from "../../session/status.ts";

export const playScenarios: Scenario[] = [
  {
    id: "PL-1",
    title: "play after publish: every frame byte-exact (SHA-256), timestamp distances kept",
    clause: "RTMP 1.0 §7.2.2.1, §7.3.2",
    required: true,
    async run(ctx) {
      const relay = await startRelay(ctx);
      if (!relay.player) return unsupported(relay.playProblem);
      const sent = gopTags({ gops: 3, gopFrames: 15 });
      sendTags(relay.publisher, sent);
      return relayOutcome(ctx, relay, sent, "3 GOPs of H.264 + AAC");
    },
  },
  {
    id: "PL-2",
    title: "a player joining mid-GOP starts at a keyframe",
    clause: "FLV VideoTagHeader FrameType; FMS/Wowza behaviour",
    required: false,
    async run(ctx) {
      const name = ctx.streamName();
      const publisher = await publishStarted(await ctx.open(), ctx.target, name);
      const tags = gopTags({ gops: 3, gopFrames: 10, audio: false });
      sendTags(publisher, tags.slice(0, 1 + 5)); // sequence header, keyframe, 4 inter frames
      const { player, playProblem } = await joinPlayer(ctx, name);
      if (!player) return unsupported(playProblem);
      const rest = tags.slice(6);
      sendTags(publisher, rest);
      const delivery = await awaitDelivery(player.client, tags.slice(11), ctx.timeoutMs);
      const first = firstVideo(delivery);
      if (!first) return fail("no video frame reached the player");
      if (isKeyframe(first.data)) return pass(`first frame at the player is a keyframe (@${first.timestamp} ms)`);
      return fail(`first frame at the player is an inter frame (@${first.timestamp} ms): a decoder shows garbage until the next keyframe`);
    },
  },
  {
    id: "PL-3",
    title: "play of a name nobody publishes gets an answer",
    clause: "RTMP 1.0 §7.2.2.1 (onStatus)",
    required: false,
    async run(ctx) {
      try {
        const p = await play(await ctx.open(), ctx.target, ctx.streamName());
        return pass(`answered ${p.status.code}`);
      } catch (err) {
        return fail(`no onStatus: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  },
  {
    id: "PL-4",
    title: "the player is told when the publisher stops",
    clause: "RTMP 1.0 §7.1.7 (StreamEOF), NetStream.Play.UnpublishNotify",
    required: false,
    async run(ctx) {
      const relay = await startRelay(ctx);
      if (!relay.player) return unsupported(relay.playProblem);
      const sent = gopTags({ gops: 1 });
      sendTags(relay.publisher, sent);
      const delivery = await awaitDelivery(relay.player.client, sent, ctx.timeoutMs);
      if (delivery.missing.length) return deliveryOutcome(delivery);
      unpublish(relay.publisher);
      const told = await relay.player.client.maybe((m) =>
        (isCommand(m, "onStatus") && /Unpublish|Play\.Stop/.test(statusOf(m.body)?.code ?? "")) || (m.body.type === "UserControl" && m.body.event === "StreamEOF"), ctx.timeoutMs);
      if (!told) return fail(`nothing within ${ctx.timeoutMs} ms after FCUnpublish + deleteStream`);
      return pass(told.body.type === "Command" ? `onStatus ${statusOf(told.body)?.code}` : "User Control StreamEOF");
    },
  },
];
