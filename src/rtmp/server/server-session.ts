/**
 * The server side of one RTMP connection: NetConnection and NetStream commands, answered in the
 * order nginx-rtmp and FMS use, for publishers in FFmpeg's and OBS's message order and for players.
 *
 *   connect        -> Window Ack Size 5000000, Set Peer Bandwidth 5000000 (dynamic), Set Chunk
 *                     Size 4096, _result {fmsVer, capabilities} {NetConnection.Connect.Success,
 *                     objectEncoding 0}
 *   releaseStream  -> (nothing, as nginx-rtmp)     FCPublish -> onFCPublish NetStream.Publish.Start
 *   createStream   -> _result(null, stream id 1, 2, ...)
 *   publish(name)  -> onStatus NetStream.Publish.Start, or NetStream.Publish.BadName (level error)
 *                     and the connection is closed
 *   play(name)     -> StreamBegin, onStatus NetStream.Play.Reset, NetStream.Play.Start,
 *                     |RtmpSampleAccess, then media (waits for a publisher, as nginx-rtmp's
 *                     default idle_streams on; an unpublish sends StreamEOF + Play.UnpublishNotify;
 *                     the handler may still fail it: onStatus at level error, then close)
 *   FCUnpublish, deleteStream, closeStream -> the publish/play on that stream ends
 *   connect, publish and play first pass the handler's admission (credentials, REST hooks), which
 *   may wait for a backend: what the client sends meanwhile is held and handled in order after it.
 *   A refused connect gets _error {NetConnection.Connect.Rejected}, a refused publish or play an
 *   onStatus at level error; then the connection is closed
 *   _checkbw, getStreamLength, unknown commands -> ignored, as nginx-rtmp does
 */
import { errorMessage } from "../../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { amf0Properties } from "../../flv/amf0.ts";
import type { FlvTag } from "../../flv/tag.ts";
import type { Logger } from "../../log.ts";
import { RTMP_ERR, RtmpError } from "../errors.ts";
import { LIMIT_TYPE } from "../messages.ts";
import { CSID, type RtmpConnection } from "../session/connection.ts";
import type { CommandMessage, DataMessage, MediaMessage } from "../session/events.ts";
import { statusObject } from "../session/status.ts";
import type { PlayHandle, PlayOutput, PublishTarget, Refusal, RtmpServerHandler, StreamRequest } from "./handler.ts";
import { PublishMediaDecoder } from "./publish-media.ts";

/** What the server announces, as nginx-rtmp 1.2 does. */
export const SERVER_WINDOW_ACK_SIZE = 5_000_000;
export const SERVER_CHUNK_SIZE = 4096;
/** A player whose socket holds more than this is "congested": frames queue (and drop) upstream. */
export const PLAYER_HIGH_WATER_BYTES = 1024 * 1024;
/** Messages held while an admission is pending; a client sending more is closed. */
const MAX_HELD_MESSAGES = 1000;

type NetStream =
  | { readonly kind: "idle" }
  | { readonly kind: "publishing"; readonly name: string; readonly target: PublishTarget; readonly decoder: PublishMediaDecoder }
  | { readonly kind: "playing"; readonly name: string; readonly handle: PlayHandle };

export interface ServerSessionOptions {
  readonly connection: RtmpConnection;
  readonly handler: RtmpServerHandler;
  readonly log: Logger;
}

/** Splits "key?a=b" into the stream key and the query string. */
export function splitStreamName(raw: string): { name: string; query: string } {
  const q = raw.indexOf("?");
  return q < 0 ? { name: raw, query: "" } : { name: raw.slice(0, q), query: raw.slice(q + 1) };
}

export class ServerSession {
  readonly connection: RtmpConnection;
  private readonly handler: RtmpServerHandler;
  private readonly log: Logger;
  private app: string | undefined;
  private tcUrl = "";
  private nextStreamId = 1;
  private readonly streams = new Map<number, NetStream>();
  /** a connect, publish or play waits for the handler's admission */
  private admitting = false;
  /** messages that arrived while admitting, handled in order after it */
  private held: (() => void)[] = [];

  constructor(options: ServerSessionOptions) {
    this.connection = options.connection;
    this.handler = options.handler;
    this.log = options.log;
    const c = this.connection;
    c.on("command", (cmd) => this.inTurn(() => this.onCommand(cmd)));
    c.on("audio", (m) => this.inTurn(() => this.onMedia("audio", m)));
    c.on("video", (m) => this.inTurn(() => this.onMedia("video", m)));
    c.on("data", (m) => this.inTurn(() => this.onData(m)));
    c.on("drain", () => {
      for (const s of this.streams.values()) if (s.kind === "playing") s.handle.drain();
    });
    c.on("close", (reason) => {
      for (const id of [...this.streams.keys()]) this.endStream(id, reason ? `Connection closed: ${reason.message}` : "Publisher disconnected");
    });
  }

  /** Names this session publishes (for logs and tests). */
  get publishing(): string[] {
    return [...this.streams.values()].flatMap((s) => (s.kind === "publishing" ? [s.name] : []));
  }

  private inTurn(handle: () => void): void {
    if (!this.admitting) return handle();
    if (this.held.length < MAX_HELD_MESSAGES) return void this.held.push(handle);
    this.connection.close(new RtmpError(RTMP_ERR.ADMISSION_BACKLOG, `more than ${MAX_HELD_MESSAGES} messages while waiting for admission`));
  }

  /** Holds later messages until `answer` settles, then calls `then` with it and handles them in order. */
  private afterAdmission(answer: Promise<Refusal | undefined>, then: (refusal: Refusal | undefined) => void): void {
    this.admitting = true;
    void answer
      .catch((err: unknown): Refusal => {
        this.log.error("admission failed", { error: errorMessage(err) });
        return { code: "NetConnection.Connect.Rejected", description: "Admission failed." };
      })
      .then((refusal) => {
        this.admitting = false;
        if (!this.connection.isOpen) return void (this.held = []);
        this.connection.handleInput(() => then(refusal));
        this.handleHeld();
      });
  }

  /** Handles held messages until none are left or one of them starts another admission. */
  private handleHeld(): void {
    while (!this.admitting && this.connection.isOpen) {
      const next = this.held.shift();
      if (!next) return;
      this.connection.handleInput(next);
    }
  }

  private refuse(sid: number, what: string, request: StreamRequest, refusal: Refusal): void {
    this.log.info(`${what} refused`, { app: request.app, name: request.name, code: refusal.code, peer: request.peer });
    this.status(sid, "error", refusal.code, refusal.description);
    this.connection.close();
  }

  private onCommand(cmd: CommandMessage): void {
    switch (cmd.name) {
      case "connect":
        return this.onConnect(cmd);
      case "createStream":
        return this.onCreateStream(cmd);
      case "FCPublish":
        return void this.connection.sendCommand("onFCPublish", 0, null, [statusObject("status", "NetStream.Publish.Start", String(cmd.args[0] ?? ""))]);
      case "publish":
        return this.onPublish(cmd);
      case "play":
        return this.onPlay(cmd);
      case "deleteStream":
        return this.endStream(typeof cmd.args[0] === "number" ? cmd.args[0] : cmd.messageStreamId, "Stream deleted");
      case "closeStream":
        return this.endStream(cmd.messageStreamId, "Stream closed");
      case "FCUnpublish": {
        const name = splitStreamName(String(cmd.args[0] ?? "")).name;
        for (const [id, s] of this.streams) if (s.kind === "publishing" && s.name === name) this.endStream(id, "Unpublished");
        return;
      }
      default:
        // releaseStream, _checkbw, getStreamLength, FCSubscribe, ...: nginx-rtmp answers none of them
        this.log.debug("command ignored", { name: cmd.name });
    }
  }

  private onConnect(cmd: CommandMessage): void {
    const props = amf0Properties(cmd.commandObject) ?? {};
    this.app = typeof props.app === "string" ? props.app : "";
    this.tcUrl = typeof props.tcUrl === "string" ? props.tcUrl : "";
    if (!this.handler.admitConnect) return this.acceptConnect(cmd);
    const c = this.connection;
    const request = { app: this.app, tcUrl: this.tcUrl, flashVer: typeof props.flashVer === "string" ? props.flashVer : "", peer: c.remoteAddress, connectionId: c.id };
    this.afterAdmission(this.handler.admitConnect(request), (refusal) => {
      if (!refusal) return this.acceptConnect(cmd);
      this.log.info("connect refused", { code: refusal.code, peer: request.peer });
      c.sendCommand("_error", cmd.transactionId, null, [statusObject("error", refusal.code, refusal.description)]);
      c.close();
    });
  }

  private acceptConnect(cmd: CommandMessage): void {
    const c = this.connection;
    c.sendControl({ type: "WindowAckSize", size: SERVER_WINDOW_ACK_SIZE });
    c.sendControl({ type: "SetPeerBandwidth", size: SERVER_WINDOW_ACK_SIZE, limitType: LIMIT_TYPE.dynamic });
    c.setChunkSize(SERVER_CHUNK_SIZE);
    c.sendCommand("_result", cmd.transactionId, { fmsVer: "FMS/3,0,1,123", capabilities: 31 }, [
      statusObject("status", "NetConnection.Connect.Success", "Connection succeeded.", { objectEncoding: 0 }),
    ]);
    this.log.debug("connect", { app: this.app, tcUrl: this.tcUrl, peer: c.remoteAddress });
  }

  private onCreateStream(cmd: CommandMessage): void {
    const id = this.nextStreamId++;
    this.streams.set(id, { kind: "idle" });
    this.connection.sendCommand("_result", cmd.transactionId, null, [id]);
  }

  private request(rawName: Amf0Value | undefined): StreamRequest {
    const { name, query } = splitStreamName(typeof rawName === "string" ? rawName : "");
    return { app: this.app ?? "", name, query, tcUrl: this.tcUrl, peer: this.connection.remoteAddress, connectionId: this.connection.id };
  }

  private status(streamId: number, level: "status" | "error", code: string, description: string, extra: Record<string, Amf0Value> = {}): void {
    this.connection.sendCommand("onStatus", 0, null, [statusObject(level, code, description, extra)], streamId, CSID.data);
  }

  private onPublish(cmd: CommandMessage): void {
    const sid = cmd.messageStreamId;
    const request = this.request(cmd.args[0]);
    const current = this.streams.get(sid);
    if (this.app === undefined || (current !== undefined && current.kind !== "idle") || request.name === "") {
      this.status(sid, "error", "NetStream.Publish.BadName", request.name === "" ? "No stream name." : "Already publishing.");
      return this.connection.close();
    }
    if (!this.handler.admitStream) return this.startPublish(sid, request);
    this.afterAdmission(this.handler.admitStream("publish", request), (refusal) => (refusal ? this.refuse(sid, "publish", request, refusal) : this.startPublish(sid, request)));
  }

  private startPublish(sid: number, request: StreamRequest): void {
    const answer = this.handler.publish(request, { stop: (reason) => this.connection.close(new RtmpError(RTMP_ERR.STREAM_TERMINATED, reason)) });
    if (!answer.ok) return this.refuse(sid, "publish", request, answer);
    this.streams.set(sid, { kind: "publishing", name: request.name, target: answer.target, decoder: new PublishMediaDecoder() });
    this.log.info("publishing", { app: request.app, name: request.name, peer: request.peer });
    this.status(sid, "status", "NetStream.Publish.Start", `${request.name} is now published.`, { details: request.name });
  }

  private onPlay(cmd: CommandMessage): void {
    const sid = cmd.messageStreamId;
    const request = this.request(cmd.args[0]);
    const current = this.streams.get(sid);
    if (current !== undefined && current.kind !== "idle") this.endStream(sid, "Play again");
    if (!this.handler.admitStream) return this.startPlay(sid, request);
    this.afterAdmission(this.handler.admitStream("play", request), (refusal) => (refusal ? this.refuse(sid, "play", request, refusal) : this.startPlay(sid, request)));
  }

  private startPlay(sid: number, request: StreamRequest): void {
    const c = this.connection;
    c.sendControl({ type: "UserControl", event: "StreamBegin", streamId: sid });
    this.status(sid, "status", "NetStream.Play.Reset", `Playing and resetting ${request.name}.`, { details: request.name });
    this.status(sid, "status", "NetStream.Play.Start", `Started playing ${request.name}.`, { details: request.name });
    c.sendMessage({ chunkStreamId: CSID.data, messageStreamId: sid, timestamp: 0, body: { type: "Data", values: ["|RtmpSampleAccess", true, true] } });
    this.log.info("playing", { app: request.app, name: request.name, peer: request.peer });
    const handle = this.handler.play(request, this.playOutput(sid, request));
    this.streams.set(sid, { kind: "playing", name: request.name, handle });
  }

  private playOutput(sid: number, request: StreamRequest): PlayOutput {
    const c = this.connection;
    const name = request.name;
    return {
      send: (tags: readonly FlvTag[]) => {
        for (const tag of tags) {
          const csid = tag.tagType === 8 ? CSID.audio : tag.tagType === 9 ? CSID.video : CSID.data;
          c.sendShared({ chunkStreamId: csid, messageStreamId: sid, timestamp: tag.timestamp, typeId: tag.tagType, payload: tag.data });
        }
      },
      get congested() {
        return c.bufferedBytes > PLAYER_HIGH_WATER_BYTES;
      },
      end: (reason: string) => {
        c.sendControl({ type: "UserControl", event: "StreamEOF", streamId: sid });
        this.status(sid, "status", "NetStream.Play.UnpublishNotify", `${name} is now unpublished.`, { details: reason });
      },
      fail: (refusal: Refusal) => this.refuse(sid, "play", request, refusal),
    };
  }

  private onMedia(kind: "audio" | "video", m: MediaMessage): void {
    const s = this.streams.get(m.messageStreamId);
    if (s?.kind !== "publishing") return;
    for (const out of s.decoder.media(kind, m.data, m.timestamp)) this.deliver(s.target, out);
  }

  private onData(m: DataMessage): void {
    const s = this.streams.get(m.messageStreamId);
    if (s?.kind !== "publishing") return;
    for (const out of s.decoder.data(m.values)) this.deliver(s.target, out);
  }

  private deliver(target: PublishTarget, out: ReturnType<PublishMediaDecoder["data"]>[number]): void {
    if (out.type === "frame") target.frame(out.frame);
    else if (out.type === "config") target.config(out.config);
    else target.metadata(out.properties);
  }

  private endStream(sid: number, reason: string): void {
    const s = this.streams.get(sid);
    if (!s) return;
    this.streams.set(sid, { kind: "idle" });
    try {
      if (s.kind === "publishing") {
        this.log.info("unpublished", { name: s.name, reason });
        s.target.end(reason);
      } else if (s.kind === "playing") s.handle.stop();
    } catch (err) {
      this.log.error("stream end failed", { error: errorMessage(err) });
    }
  }
}
