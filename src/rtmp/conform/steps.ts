/**
 * The command sequences scenarios are built from: connect, publish in the orders real encoders use,
 * play, and sending media. A step that does not get the answer it needs throws ScenarioFailure;
 * the runner turns that into a failed scenario with its message.
 */
import { RtmpError } from "../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import type { StatusInfo } from "../session/status.ts";
import { CONFORM_ERR } from "./errors.ts";
import { isCommand, type CommandReply, type RawClient } from "./raw-client.ts";
import type { ConformTarget } from "./scenario.ts";
import type { MediaTag } from "./test-media.ts";

export class ScenarioFailure extends RtmpError {
  constructor(message: string) {
    super(CONFORM_ERR.FAILED, message);
  }
}

/** Chunk stream ids as FFmpeg uses them (rtmppkt.h). */
export const CS = { control: 2, command: 3, audio: 4, data: 5, video: 6, source: 8 } as const;

/** The connect command object FFmpeg sends when publishing (rtmpproto.c gen_connect). */
export function fullConnectObject(target: ConformTarget, extra: Record<string, Amf0Value> = {}): Record<string, Amf0Value> {
  return { app: target.app, type: "nonprivate", flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", swfUrl: target.tcUrl, tcUrl: target.tcUrl, ...extra };
}

/** Sends connect and requires NetConnection.Connect.Success. */
export async function connectApp(client: RawClient, commandObject: Record<string, Amf0Value>, args: readonly Amf0Value[] = []): Promise<CommandReply> {
  const reply = await client.call("connect", commandObject, args);
  if (!reply.ok || reply.info?.code !== "NetConnection.Connect.Success") {
    throw new ScenarioFailure(`connect answered ${reply.command.name} ${reply.info?.code ?? "(no info object)"} ${reply.info?.description ?? ""}`.trim());
  }
  return reply;
}

/** createStream; returns the stream id of the `_result`. */
export async function createStream(client: RawClient): Promise<number> {
  const reply = await client.call("createStream", null);
  const id = reply.command.args[0];
  if (!reply.ok || typeof id !== "number") throw new ScenarioFailure(`createStream answered ${reply.command.name} without a stream id`);
  return id;
}

export type PublishOrder = "ffmpeg" | "obs" | "minimal";

export interface Publishing {
  readonly client: RawClient;
  readonly name: string;
  readonly streamId: number;
  readonly status: StatusInfo;
}

/**
 * connect + publish in an encoder's order:
 *   ffmpeg   Set Chunk Size 4096 before connect; releaseStream, FCPublish and createStream sent
 *            at once without waiting; publish on chunk stream 8 (rtmpproto.c)
 *   obs      connect first, Set Chunk Size 4096 after its result; releaseStream, FCPublish,
 *            createStream each on chunk stream 3; publish on chunk stream 4 (librtmp, as OBS uses it)
 *   minimal  connect, createStream, publish: what the spec's figure (7.3.1) shows
 * Does not require Publish.Start: `status` is what the server answered.
 */
export async function publishAs(client: RawClient, target: ConformTarget, name: string, order: PublishOrder = "ffmpeg"): Promise<Publishing> {
  if (order === "ffmpeg") client.setChunkSize(4096);
  await connectApp(client, fullConnectObject(target));
  if (order === "obs") client.setChunkSize(4096);
  if (order !== "minimal") {
    client.sendCommand("releaseStream", null, [name]);
    client.sendCommand("FCPublish", null, [name]);
  }
  const streamId = await createStream(client);
  client.sendCommand("publish", null, [name, "live"], streamId, order === "ffmpeg" ? CS.source : CS.audio);
  const status = await client.status(`onStatus for publish("${name}")`);
  return { client, name, streamId, status };
}

/** publishAs, requiring NetStream.Publish.Start. */
export async function publishStarted(client: RawClient, target: ConformTarget, name: string, order: PublishOrder = "ffmpeg"): Promise<Publishing> {
  const p = await publishAs(client, target, name, order);
  if (p.status.code !== "NetStream.Publish.Start") throw new ScenarioFailure(`publish("${name}") answered ${p.status.code} ${p.status.description}`.trim());
  return p;
}

/** FCUnpublish + deleteStream, as FFmpeg and OBS stop. */
export function unpublish(p: Publishing): void {
  p.client.sendCommand("FCUnpublish", null, [p.name]);
  p.client.sendCommand("deleteStream", null, [p.streamId]);
}

/** Sends media tags on the publishing stream: audio on chunk stream 4, video on 6. */
export function sendTags(p: Publishing, tags: readonly MediaTag[]): void {
  for (const t of tags) {
    p.client.send({
      chunkStreamId: t.kind === "audio" ? CS.audio : CS.video,
      messageStreamId: p.streamId,
      timestamp: t.timestamp,
      body: t.kind === "audio" ? { type: "Audio", data: t.data } : { type: "Video", data: t.data },
    });
  }
}

/** Sends @setDataFrame onMetaData as FFmpeg does. */
export function sendMetadata(p: Publishing, meta: Record<string, Amf0Value>): void {
  p.client.send({ chunkStreamId: CS.data, messageStreamId: p.streamId, timestamp: 0, body: { type: "Data", values: ["@setDataFrame", "onMetaData", meta] } });
}

export interface Playing {
  readonly client: RawClient;
  readonly streamId: number;
  readonly status: StatusInfo;
}

/** connect + createStream + play(name); `status` is the first onStatus of the stream. */
export async function play(client: RawClient, target: ConformTarget, name: string): Promise<Playing> {
  await connectApp(client, { app: target.app, flashVer: "LNX 9,0,124,2", tcUrl: target.tcUrl, fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1 });
  const streamId = await createStream(client);
  client.sendCommand("play", null, [name, -1000], streamId, CS.source);
  let status = await client.status(`onStatus for play("${name}")`);
  // servers send Play.Reset before Play.Start (FMS, nginx-rtmp)
  if (status.code === "NetStream.Play.Reset") status = await client.status(`Play.Start for play("${name}")`);
  return { client, streamId, status };
}

/** Media a player received, in order. */
export function receivedTags(client: RawClient): MediaTag[] {
  return client.messages.flatMap((m) => (m.body.type === "Audio" || m.body.type === "Video" ? [{ kind: m.body.type === "Audio" ? "audio" as const : "video" as const, timestamp: m.raw.timestamp, data: m.body.data }] : []));
}

/** Whether a command with this name reached the client (any transaction). */
export function gotCommand(client: RawClient, name: string): boolean {
  return client.messages.some((m) => isCommand(m, name));
}
