/**
 * One connection to the client checker: plays the server's part (handshake, connect, createStream,
 * publish or play, the generated media for a player) and records what the client sent, for
 * checks.ts to judge when the connection ends. The connect `_result` is sent after Set Chunk Size
 * 4096 and is longer than 128 bytes, so a client that ignores our chunk size cannot read it.
 */
import type { Socket } from "node:net";
import { errorMessage, ParseError } from "../../../errors.ts";
import type { Amf0Value } from "../../../flv/amf0.ts";
import { ChunkReader, type RtmpRawMessage } from "../../chunk/reader.ts";
import { ChunkWriter } from "../../chunk/writer.ts";
import { HandshakeServer } from "../../handshake.ts";
import { decodeMessage, encodeMessage, LIMIT_TYPE, type MessageBody } from "../../messages.ts";
import { statusObject } from "../../session/status.ts";
import { gopTags, videoFrame, type MediaTag } from "../test-media.ts";

export const SERVER_CHUNK_SIZE = 4096;
const STREAM_ID = 1;

export interface ReceivedFromClient {
  readonly raw: RtmpRawMessage;
  readonly body: MessageBody;
}

/** What a session saw; checks.ts turns it into results. */
export interface SessionRecord {
  readonly peer: string;
  c0Version: number | undefined;
  handshakeDone: boolean;
  readonly messages: ReceivedFromClient[];
  /** the chunk stream could not be read: why */
  malformed: string | undefined;
  /** bytes we sent after the handshake (what the client's Acknowledgements count, with the handshake) */
  bytesSent: number;
  readonly windowAckSize: number;
  /** media bytes sent to a player */
  mediaSent: number;
}

export class CheckedSession {
  readonly record: SessionRecord;
  private readonly handshake = new HandshakeServer();
  private readonly reader = new ChunkReader({ limits: { maxMessageSize: 32 << 20 } });
  private readonly writer = new ChunkWriter();
  readonly closed: Promise<void>;

  constructor(private readonly socket: Socket, windowAckSize: number) {
    this.record = { peer: `${socket.remoteAddress}:${socket.remotePort}`, c0Version: undefined, handshakeDone: false, messages: [], malformed: undefined, bytesSent: 0, windowAckSize, mediaSent: 0 };
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => socket.destroy());
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  private onData(chunk: Buffer): void {
    try {
      let bytes: Uint8Array = chunk;
      if (!this.record.handshakeDone) {
        this.record.c0Version ??= bytes[0];
        const step = this.handshake.push(bytes);
        if (step.send.length > 0) this.socket.write(step.send);
        if (!step.done) return;
        this.record.handshakeDone = true;
        bytes = step.rest;
      }
      for (const raw of this.reader.push(bytes)) this.receive(raw);
    } catch (err) {
      this.record.malformed = err instanceof ParseError ? `${err.code}: ${err.message}` : errorMessage(err);
      this.socket.destroy();
    }
  }

  private send(chunkStreamId: number, messageStreamId: number, timestamp: number, body: MessageBody): void {
    const { typeId, payload } = encodeMessage(body);
    const bytes = this.writer.write({ chunkStreamId, messageStreamId, timestamp, typeId, payload });
    this.record.bytesSent += bytes.length;
    this.socket.write(bytes);
  }

  private command(name: string, transactionId: number, commandObject: Amf0Value, args: Amf0Value[], messageStreamId = 0): void {
    this.send(3, messageStreamId, 0, { type: "Command", name, transactionId, commandObject, args });
  }

  private status(code: string, description: string): void {
    this.command("onStatus", 0, null, [statusObject("status", code, description)], STREAM_ID);
  }

  private receive(raw: RtmpRawMessage): void {
    let body: MessageBody;
    try {
      body = decodeMessage(raw);
    } catch (err) {
      body = { type: "Raw", typeId: raw.typeId, payload: raw.payload };
      this.record.malformed ??= `message type ${raw.typeId} does not decode: ${errorMessage(err)}`;
    }
    this.record.messages.push({ raw, body });
    if (body.type === "UserControl" && body.event === "PingRequest") this.send(2, 0, 0, { type: "UserControl", event: "PingResponse", timestamp: body.timestamp });
    if (body.type !== "Command") return;
    const tid = body.transactionId;
    switch (body.name) {
      case "connect": {
        this.send(2, 0, 0, { type: "WindowAckSize", size: this.record.windowAckSize });
        this.send(2, 0, 0, { type: "SetPeerBandwidth", size: this.record.windowAckSize, limitType: LIMIT_TYPE.dynamic });
        this.send(2, 0, 0, { type: "SetChunkSize", chunkSize: SERVER_CHUNK_SIZE });
        this.writer.chunkSize = SERVER_CHUNK_SIZE;
        const description = `Connection succeeded (transpond conform client checker; this answer is longer than 128 bytes so that it needs the chunk size ${SERVER_CHUNK_SIZE} announced before it).`;
        this.command("_result", tid, { fmsVer: "FMS/3,0,1,123", capabilities: 31 }, [statusObject("status", "NetConnection.Connect.Success", description, { objectEncoding: 0 })]);
        return;
      }
      case "releaseStream":
      case "FCUnpublish":
      case "deleteStream":
      case "closeStream":
        if (tid > 0) this.command("_result", tid, null, [null]);
        return;
      case "FCPublish":
        if (tid > 0) this.command("_result", tid, null, [null]);
        this.command("onFCPublish", 0, null, [statusObject("status", "NetStream.Publish.Start", "FCPublish")]);
        return;
      case "createStream":
        this.command("_result", tid, null, [STREAM_ID]);
        return;
      case "publish":
        this.send(2, 0, 0, { type: "UserControl", event: "StreamBegin", streamId: STREAM_ID });
        this.status("NetStream.Publish.Start", `${String(body.args[0])} is now published.`);
        return;
      case "play":
        this.send(2, 0, 0, { type: "UserControl", event: "StreamBegin", streamId: STREAM_ID });
        this.status("NetStream.Play.Reset", "Playing and resetting.");
        this.status("NetStream.Play.Start", "Started playing.");
        this.sendPlayerMedia();
        return;
      default:
        return;
    }
  }

  /** Enough media (about 3 windows) that a player must acknowledge: 10 s of 25 fps video and audio. */
  private sendPlayerMedia(): void {
    const frameSize = Math.ceil((this.record.windowAckSize * 3) / 250);
    const tags: MediaTag[] = gopTags({ gops: 10, gopFrames: 25 }).map((t, i) =>
      t.kind === "video" && i > 1 ? { ...t, data: videoFrame(t.data[0] === 0x17, i, frameSize) } : t);
    for (const t of tags) {
      this.send(t.kind === "audio" ? 4 : 6, STREAM_ID, t.timestamp, t.kind === "audio" ? { type: "Audio", data: t.data } : { type: "Video", data: t.data });
      this.record.mediaSent += t.data.length;
    }
  }
}
