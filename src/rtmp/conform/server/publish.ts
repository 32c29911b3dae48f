/**
 * Publish scenarios: the command orders encoders use (RTMP 1.0 section 7.2.2.6 and the FMLE
 * commands releaseStream / FCPublish), names in use, unpublish, deleteStream.
 */
import type { RawClient } from "../raw-client.ts";
import { fail, pass, type Scenario, type ScenarioContext } from "../scenario.ts";
import { createStream, gotCommand, publishAs, publishStarted, unpublish } from "../steps.ts";

/** Publishes `name` from fresh connections until it starts or `timeoutMs` passes (a name is freed asynchronously). */
async function publishWhenFree(ctx: ScenarioContext, name: string): Promise<{ ms: number; code: string }> {
  const started = Date.now();
  let code = "";
  while (Date.now() - started < ctx.timeoutMs) {
    const client = await ctx.open();
    code = (await publishAs(client, ctx.target, name)).status.code;
    if (code === "NetStream.Publish.Start") return { ms: Date.now() - started, code };
    client.close();
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ms: Date.now() - started, code };
}

function orderScenario(id: string, order: "ffmpeg" | "obs" | "minimal", title: string, clause: string): Scenario {
  return {
    id,
    title,
    clause,
    required: order !== "minimal",
    async run(ctx) {
      const client = await ctx.open();
      const p = await publishStarted(client, ctx.target, ctx.streamName(), order);
      const fc = gotCommand(client, "onFCPublish") ? ", onFCPublish sent" : "";
      return pass(`Publish.Start on stream ${p.streamId}${fc}`);
    },
  };
}

export const publishScenarios: Scenario[] = [
  orderScenario("PB-1", "ffmpeg", "publish in FFmpeg's order (chunk size, connect, releaseStream+FCPublish+createStream at once, publish)", "RTMP 1.0 §7.2.1.3, §7.2.2.6; FMLE commands"),
  orderScenario("PB-2", "obs", "publish in OBS's order (connect, chunk size, releaseStream, FCPublish, createStream, publish)", "RTMP 1.0 §7.2.1.3, §7.2.2.6; FMLE commands"),
  orderScenario("PB-3", "minimal", "publish without releaseStream/FCPublish (connect, createStream, publish)", "RTMP 1.0 §7.3.1 (figure)"),
  {
    id: "PB-4",
    title: "publishing a name already in use is refused and the first publisher keeps it",
    clause: "RTMP 1.0 §7.2.2.6 (NetStream.Publish.BadName as FMS)",
    required: false,
    async run(ctx) {
      const name = ctx.streamName();
      const first = await publishStarted(await ctx.open(), ctx.target, name);
      const second = await publishAs(await ctx.open(), ctx.target, name);
      const closedSecond = second.client.closed;
      if (second.status.code === "NetStream.Publish.Start") return fail("the second publisher got Publish.Start too");
      const firstAlive = await aliveAfter(first.client);
      return firstAlive
        ? pass(`second publisher got ${second.status.code}${closedSecond ? " and was disconnected" : ""}; first still connected`)
        : fail(`second publisher got ${second.status.code}, but the first publisher lost its connection`);
    },
  },
  {
    id: "PB-5",
    title: "unpublish (FCUnpublish, deleteStream) and publish again on the same connection",
    clause: "RTMP 1.0 §7.2.2.3 (deleteStream), §7.2.2.6",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      const name = ctx.streamName();
      const first = await publishStarted(client, ctx.target, name);
      unpublish(first);
      const streamId = await createStream(client);
      client.sendCommand("publish", null, [name, "live"], streamId, 8);
      const status = await client.status("onStatus for the second publish");
      if (status.code !== "NetStream.Publish.Start") {
        // some servers send Unpublish.Success for the first stream before answering
        const next = status.code === "NetStream.Unpublish.Success" ? await client.status("onStatus for the second publish") : status;
        if (next.code !== "NetStream.Publish.Start") return fail(`second publish answered ${next.code} ${next.description}`.trim());
      }
      return pass(`republished on stream ${streamId} (first was ${first.streamId})`);
    },
  },
  {
    id: "PB-6",
    title: "deleteStream frees the name for another publisher",
    clause: "RTMP 1.0 §7.2.2.3",
    required: true,
    async run(ctx) {
      const name = ctx.streamName();
      const first = await publishStarted(await ctx.open(), ctx.target, name);
      first.client.sendCommand("deleteStream", null, [first.streamId]);
      const again = await publishWhenFree(ctx, name);
      return again.code === "NetStream.Publish.Start" ? pass(`another connection could publish the name ${again.ms} ms later`) : fail(`name still taken after deleteStream: ${again.code}`);
    },
  },
  {
    id: "PB-7",
    title: "a dropped TCP connection frees the name for another publisher",
    clause: "RTMP 1.0 §7.2.2.6",
    required: true,
    async run(ctx) {
      const name = ctx.streamName();
      const first = await publishStarted(await ctx.open(), ctx.target, name);
      first.client.close();
      const again = await publishWhenFree(ctx, name);
      return again.code === "NetStream.Publish.Start" ? pass(`another connection could publish the name ${again.ms} ms later`) : fail(`name still taken after the publisher vanished: ${again.code}`);
    },
  },
];

/** The connection still answers a command. */
async function aliveAfter(client: RawClient): Promise<boolean> {
  if (client.closed) return false;
  try {
    await createStream(client);
    return true;
  } catch {
    return false;
  }
}
