/**
 * Test support: an RTMP publisher and player built on RtmpConnection, in FFmpeg's message order,
 * and the tags of the fixture FLV to publish.
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { FlvReader } from "../../../src/flv/file-reader.ts";
import type { FlvTag } from "../../../src/flv/tag.ts";
import { CSID, RtmpConnection } from "../../../src/rtmp/session/connection.ts";
import type { CommandMessage } from "../../../src/rtmp/session/events.ts";
import { statusOf, type StatusInfo } from "../../../src/rtmp/session/status.ts";
import type { MessageBody } from "../../../src/rtmp/messages.ts";
import { fixture } from "../../support/fixtures.ts";

export const BBB = "flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv";

/** The tags of a fixture FLV with timestamps below `untilMs`. */
export function fixtureTags(name = BBB, untilMs = 2000): FlvTag[] {
  const out: FlvTag[] = [];
  for (const o of new FlvReader().push(new Uint8Array(readFileSync(fixture(name))))) {
    if (o.type === "tag" && o.header.timestamp < untilMs) out.push({ tagType: o.header.tagType, timestamp: o.header.timestamp, data: o.data });
  }
  return out;
}

export async function openClient(port: number): Promise<RtmpConnection> {
  const conn = new RtmpConnection({ role: "client", socket: connect(port, "127.0.0.1") });
  await new Promise<void>((resolve, reject) => {
    conn.once("handshake", resolve);
    conn.once("close", (r) => reject(r ?? new Error("closed during handshake")));
  });
  return conn;
}

export function nextStatus(conn: RtmpConnection): Promise<StatusInfo> {
  return new Promise((resolve, reject) => {
    const off = (): void => {
      conn.off("command", onCommand);
      conn.off("close", onClose);
    };
    const onCommand = (cmd: CommandMessage): void => {
      if (cmd.name !== "onStatus") return;
      off();
      resolve(statusOf(cmd)!);
    };
    const onClose = (): void => {
      off();
      reject(new Error("closed before onStatus"));
    };
    conn.on("command", onCommand);
    conn.on("close", onClose);
  });
}

/** connect + releaseStream + FCPublish + createStream + publish, as FFmpeg sends them. */
export async function startPublish(port: number, name: string, app = "live"): Promise<{ conn: RtmpConnection; streamId: number; status: StatusInfo; connectResult: CommandMessage }> {
  const conn = await openClient(port);
  conn.setChunkSize(4096);
  const connectResult = await conn.call("connect", { app, type: "nonprivate", flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", tcUrl: `rtmp://127.0.0.1:${port}/${app}` });
  conn.sendCommand("releaseStream", conn.nextTransactionId(), null, [name]);
  conn.sendCommand("FCPublish", conn.nextTransactionId(), null, [name]);
  const created = await conn.call("createStream", null);
  const streamId = created.args[0] as number;
  const status = nextStatus(conn);
  conn.sendCommand("publish", conn.nextTransactionId(), null, [name, "live"], streamId, CSID.data);
  return { conn, streamId, status: await status, connectResult };
}

/** Sends FLV tags as RTMP messages (script tags as @setDataFrame). */
export function sendTags(conn: RtmpConnection, streamId: number, tags: readonly FlvTag[], offsetMs = 0): void {
  for (const t of tags) {
    const ts = (t.timestamp + offsetMs) >>> 0;
    if (t.tagType === 18) {
      conn.sendMessage({ chunkStreamId: CSID.data, messageStreamId: streamId, timestamp: ts, body: { type: "Raw", typeId: 18, payload: withSetDataFrame(t.data) } });
    } else {
      conn.sendMessage({ chunkStreamId: t.tagType === 8 ? CSID.audio : CSID.video, messageStreamId: streamId, timestamp: ts, body: { type: t.tagType === 8 ? "Audio" : "Video", data: t.data } });
    }
  }
}

function withSetDataFrame(data: Uint8Array): Uint8Array {
  const head = Uint8Array.of(0x02, 0x00, 0x0d, ...Buffer.from("@setDataFrame"));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

export interface PlayerLog {
  conn: RtmpConnection;
  /** every message after play, in order, as a short description */
  events: string[];
  bodies: MessageBody[];
  media: { kind: "audio" | "video"; timestamp: number; data: Uint8Array }[];
}

/** connect + createStream + play(name); records what the server sends. */
export async function startPlay(port: number, name: string): Promise<PlayerLog> {
  const conn = await openClient(port);
  await conn.call("connect", { app: "live", tcUrl: `rtmp://127.0.0.1:${port}/live` });
  const created = await conn.call("createStream", null);
  const streamId = created.args[0] as number;
  const log: PlayerLog = { conn, events: [], bodies: [], media: [] };
  conn.on("message", (body, raw) => {
    log.bodies.push(body);
    if (body.type === "Command") log.events.push(body.name === "onStatus" ? `onStatus ${statusOf(body)?.code}` : body.name);
    else if (body.type === "Data") log.events.push(`data ${String(body.values[0])}`);
    else if (body.type === "UserControl") log.events.push(`${body.event}`);
    else if (body.type === "Audio" || body.type === "Video") {
      const kind = body.type === "Audio" ? "audio" : "video";
      log.media.push({ kind, timestamp: raw.timestamp, data: body.data });
      log.events.push(`${kind}${kind === "video" ? ` ${body.data[0]! >> 4 === 1 ? "key" : "inter"} ${body.data[1]}` : ` ${body.data[1]}`}`);
    }
  });
  conn.sendCommand("play", 0, null, [name, -1000], streamId, CSID.data);
  return log;
}
