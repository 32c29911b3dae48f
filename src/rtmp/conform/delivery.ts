/**
 * What a player received compared with what a publisher sent: every frame found by hash, in order
 * per track, with the timestamp distance between frames kept. A server that cannot play (a pure
 * ingest such as `ffmpeg -listen 1`) is checked by what it still can show: the publisher's
 * connection stays up and answers a ping.
 */
import { encodeChunkHeader } from "../chunk/header.ts";
import type { RawClient } from "./raw-client.ts";
import { fail, pass, type Outcome, type ScenarioContext } from "./scenario.ts";
import { play, publishStarted, receivedTags, type Playing, type PublishOrder, type Publishing } from "./steps.ts";
import { frameHash, isSequenceHeader, type MediaTag, type TagKind } from "./test-media.ts";

export interface Delivery {
  readonly sent: number;
  readonly matched: number;
  /** sent frames the player never got, as "video #3 @120ms" */
  readonly missing: readonly string[];
  /** frames whose distance to the first frame of their track differs from what was sent */
  readonly timestampErrors: readonly string[];
  /** received frames (excluding sequence headers) in the order they came */
  readonly received: readonly MediaTag[];
}

function describe(t: MediaTag, index: number): string {
  return `${t.kind} #${index} @${t.timestamp}ms (${t.data.length} bytes)`;
}

/** Compares by hash: a sent frame matches the next received frame of its track with the same bytes. */
export function compareDelivery(sent: readonly MediaTag[], received: readonly MediaTag[]): Delivery {
  const missing: string[] = [];
  const timestampErrors: string[] = [];
  let matched = 0;
  for (const kind of ["video", "audio"] as TagKind[]) {
    const out = sent.filter((t) => t.kind === kind);
    const got = received.filter((t) => t.kind === kind);
    const gotHashes = got.map((t) => frameHash(t.data));
    let at = 0;
    let offset: number | undefined;
    out.forEach((t, i) => {
      const found = gotHashes.indexOf(frameHash(t.data), at);
      if (found < 0) return void missing.push(describe(t, i));
      matched++;
      at = found + 1;
      if (isSequenceHeader(kind, t.data)) return;
      const delta = (got[found]!.timestamp - t.timestamp) >>> 0;
      offset ??= delta;
      if (delta !== offset) timestampErrors.push(`${describe(t, i)} arrived @${got[found]!.timestamp}ms`);
    });
  }
  return { sent: sent.length, matched, missing, timestampErrors, received: received.filter((t) => !isSequenceHeader(t.kind, t.data)) };
}

/** Waits until the player has every sent frame, or `timeoutMs` passes; then compares. */
export async function awaitDelivery(player: RawClient, sent: readonly MediaTag[], timeoutMs: number): Promise<Delivery> {
  let last = compareDelivery(sent, []);
  await player.until("every frame at the player", () => {
    last = compareDelivery(sent, receivedTags(player));
    return last.matched === sent.length ? true : undefined;
  }, timeoutMs, true).catch(() => undefined);
  return compareDelivery(sent, receivedTags(player));
}

/** One line: "42/42 frames byte-exact" plus the first problems. */
export function deliverySummary(d: Delivery, checkTimestamps = true): string {
  const problems = [
    ...(d.missing.length ? [`${d.missing.length} missing (first: ${d.missing[0]})`] : []),
    ...(checkTimestamps && d.timestampErrors.length ? [`${d.timestampErrors.length} with another timestamp distance (first: ${d.timestampErrors[0]})`] : []),
  ];
  return `${d.matched}/${d.sent} frames byte-exact at the player${problems.length ? `; ${problems.join("; ")}` : ""}`;
}

export function deliveryOutcome(d: Delivery, extra = "", checkTimestamps = true): Outcome {
  const ok = d.missing.length === 0 && (!checkTimestamps || d.timestampErrors.length === 0);
  const text = deliverySummary(d, checkTimestamps) + (extra ? `; ${extra}` : "");
  return ok ? pass(text) : fail(text);
}

export interface Relay {
  readonly publisher: Publishing;
  /** undefined when the server refused play (then `playProblem` says how) */
  readonly player: Playing | undefined;
  readonly playProblem: string;
}

/** Publishes a fresh name, then plays it from a second connection. */
export async function startRelay(ctx: ScenarioContext, order: PublishOrder = "ffmpeg"): Promise<Relay> {
  const name = ctx.streamName();
  const publisher = await publishStarted(await ctx.open(), ctx.target, name, order);
  return { publisher, ...(await joinPlayer(ctx, name)) };
}

export async function joinPlayer(ctx: ScenarioContext, name: string): Promise<{ player: Playing | undefined; playProblem: string }> {
  try {
    const player = await play(await ctx.open(), ctx.target, name);
    if (player.status.code === "NetStream.Play.Start") return { player, playProblem: "" };
    return { player: undefined, playProblem: `play answered ${player.status.code}` };
  } catch (err) {
    return { player: undefined, playProblem: `play failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The verdict of a scenario that sent `sent` through `relay`: by hash at the player, or, when the
 * server does not play, by the publisher's connection still answering a ping.
 */
export async function relayOutcome(ctx: ScenarioContext, relay: Relay, sent: readonly MediaTag[], what: string, checkTimestamps = true): Promise<Outcome> {
  if (relay.player) {
    const delivery = await awaitDelivery(relay.player.client, sent, ctx.timeoutMs);
    const dropped = relay.publisher.client.closed ? `; the publisher's connection ended: ${relay.publisher.client.closeReason}` : "";
    return deliveryOutcome(delivery, what + dropped, checkTimestamps);
  }
  const alive = await answersPing(relay.publisher.client, ctx.timeoutMs);
  const why = `not verified by play (${relay.playProblem})`;
  return alive ? pass(`${what}; the publisher's connection stayed up and answered a ping; ${why}`) : fail(`${what}; the publisher's connection ${relay.publisher.client.closeReason ?? "stopped answering pings"}; ${why}`);
}

/** Sends a Ping Request and waits for the matching Ping Response. */
export async function answersPing(client: RawClient, timeoutMs: number): Promise<boolean> {
  const stamp = (Date.now() & 0x7fffffff) >>> 0;
  client.sendControl({ type: "UserControl", event: "PingRequest", timestamp: stamp });
  const reply = await client.maybe((m) => m.body.type === "UserControl" && m.body.event === "PingResponse" && m.body.timestamp === stamp, timeoutMs);
  return reply !== undefined;
}

/** The first video frame a player got that is not a sequence header. */
export function firstVideo(d: Delivery): MediaTag | undefined {
  return d.received.find((t) => t.kind === "video");
}

/**
 * The chunks of one message built by hand, for scenarios that interleave or cut messages: a fmt 0
 * header, then fmt 3 continuation headers (repeating an extended timestamp, spec 5.3.1.3).
 */
export function handChunks(m: { chunkStreamId: number; messageStreamId: number; timestamp: number; typeId: number; payload: Uint8Array }, chunkSize: number): Uint8Array[] {
  const extended = m.timestamp >= 0xffffff ? m.timestamp : undefined;
  const out: Uint8Array[] = [];
  for (let pos = 0; pos < m.payload.length || pos === 0; pos += chunkSize) {
    const header = pos === 0
      ? encodeChunkHeader({ fmt: 0, chunkStreamId: m.chunkStreamId, timestampField: m.timestamp, messageLength: m.payload.length, typeId: m.typeId, messageStreamId: m.messageStreamId, extendedTimestamp: extended })
      : encodeChunkHeader({ fmt: 3, chunkStreamId: m.chunkStreamId, extendedTimestamp: extended });
    const body = m.payload.subarray(pos, pos + chunkSize);
    const chunk = new Uint8Array(header.length + body.length);
    chunk.set(header);
    chunk.set(body, header.length);
    out.push(chunk);
    if (m.payload.length === 0) break;
  }
  return out;
}
