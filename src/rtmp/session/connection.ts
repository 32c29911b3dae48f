/**
 * One RTMP connection over a net.Socket or tls.TLSSocket, used by both the client (publisher) and
 * the embedded server. It owns the socket and the protocol state around the pure core:
 *
 *   handshake  HandshakeServer / HandshakeClient, cut off after `handshakeTimeoutMs`
 *   open       ChunkReader -> decodeMessage -> events; ChunkWriter for everything sent
 *   closed     one `close` event with the reason; pending calls are rejected
 *
 * Protocol control is answered here, as nginx-rtmp and FFmpeg do: the peer's Set Chunk Size (the
 * reader applies it), Window Acknowledgement Size (Acknowledgements every window via AckWindow),
 * Set Peer Bandwidth (answered with our Window Acknowledgement Size when it changes), and User
 * Control Ping Request (answered with Ping Response). Malformed bytes from the peer (a ParseError)
 * close this one connection with a warning naming the error code; nothing is thrown to the caller.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { errorMessage, ParseError, TranspondError } from "../../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { amf0Properties } from "../../flv/amf0.ts";
import { createLogger, type Logger } from "../../log.ts";
import { AckWindow } from "../ack-window.ts";
import { ChunkReader, type RtmpRawMessage } from "../chunk/reader.ts";
import { ChunkWriter, type RtmpMessageToSend } from "../chunk/writer.ts";
import { HandshakeClient, HandshakeServer, type HandshakeStep } from "../handshake.ts";
import { DEFAULT_RTMP_LIMITS } from "../limits.ts";
import { decodeMessage, encodeMessage, LIMIT_TYPE, type MessageBody } from "../messages.ts";
import { RtmpCommandRejectedError, SESSION_ERR } from "./errors.ts";
import type { CommandMessage, RtmpConnectionEvents } from "./events.ts";
import { RtmpError } from "../errors.ts";

export type RtmpRole = "client" | "server";
export type RtmpConnectionState = "handshake" | "open" | "closed";

/** Chunk stream ids this connection uses by default (FFmpeg's layout). */
export const CSID = { control: 2, command: 3, audio: 4, video: 6, data: 5 } as const;

export interface RtmpConnectionOptions {
  readonly role: RtmpRole;
  /** a connected socket (server: from `net.Server`; client: from `net.connect`/`tls.connect`) */
  readonly socket: Socket;
  /** ms to finish the handshake (config `rtmp.handshake_timeout`); default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** largest message the peer may announce (config `rtmp.max_message_size`) */
  readonly maxMessageSize?: number;
  /** default timeout of `call()` in ms; default 10000 */
  readonly callTimeoutMs?: number;
  /** Window Acknowledgement Size we announce when answering Set Peer Bandwidth; default 2500000 */
  readonly windowAckSize?: number;
  /** client role: send a digest C1 (as FFmpeg/Flash); default true */
  readonly digestHandshake?: boolean;
  readonly log?: Logger;
}

interface PendingCall {
  readonly name: string;
  readonly resolve: (command: CommandMessage) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Messages sent with `sendMessage`: where, when, and the body. */
export interface OutgoingMessage {
  readonly chunkStreamId: number;
  readonly messageStreamId: number;
  readonly timestamp: number;
  readonly body: MessageBody;
}

/** Text of an info object's `description` (or `code`), for error messages. */
export function infoDescription(value: Amf0Value | undefined): string {
  const props = value === undefined ? undefined : amf0Properties(value);
  const text = props?.description ?? props?.code;
  return typeof text === "string" ? text : "no description";
}

let nextConnectionId = 1;

export class RtmpConnection extends EventEmitter<RtmpConnectionEvents> {
  readonly role: RtmpRole;
  readonly id = nextConnectionId++;
  readonly socket: Socket;
  private readonly log: Logger;
  private readonly handshaker: HandshakeServer | HandshakeClient;
  private readonly reader: ChunkReader;
  private readonly writer = new ChunkWriter();
  private readonly ack = new AckWindow();
  private readonly pending = new Map<number, PendingCall>();
  private readonly callTimeoutMs: number;
  private readonly windowAckSize: number;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private sentWindowAckSize = -1;
  private transactionId = 0;
  private connState: RtmpConnectionState = "handshake";
  private closeReason: Error | undefined;
  private corked = false;
  /** bytes received / sent on the socket, handshake included */
  bytesIn = 0;
  bytesOut = 0;

  constructor(options: RtmpConnectionOptions) {
    super();
    this.role = options.role;
    this.socket = options.socket;
    this.callTimeoutMs = options.callTimeoutMs ?? 10000;
    this.windowAckSize = options.windowAckSize ?? 2_500_000;
    this.reader = new ChunkReader({ limits: { maxMessageSize: options.maxMessageSize ?? DEFAULT_RTMP_LIMITS.maxMessageSize } });
    this.log = (options.log ?? createLogger("rtmp")).child(`conn${this.id}`);
    this.handshaker = options.role === "server" ? new HandshakeServer() : new HandshakeClient({ digest: options.digestHandshake ?? true });
    const timeout = options.handshakeTimeoutMs ?? 10000;
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = undefined;
      const err = new RtmpError(SESSION_ERR.HANDSHAKE_TIMEOUT, `RTMP handshake not finished within ${timeout} ms`);
      this.log.warn("closing: handshake timeout", { peer: this.remoteAddress, code: err.code });
      this.close(err, { now: true });
    }, timeout);
    this.socket.setNoDelay(true);
    this.socket.on("data", this.onData);
    this.socket.on("drain", () => this.emit("drain"));
    this.socket.on("error", (err) => this.close(err));
    this.socket.on("close", () => this.close());
    if (this.handshaker instanceof HandshakeClient) this.write(this.handshaker.start());
  }

  get state(): RtmpConnectionState {
    return this.connState;
  }
  get isOpen(): boolean {
    return this.connState === "open";
  }
  /** Bytes written but not yet handed to the OS (socket.writableLength): queue media above a limit. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }
  /** The chunk size we send with (see `setChunkSize`). */
  get chunkSize(): number {
    return this.writer.chunkSize;
  }
  /** The chunk size the peer announced. */
  get peerChunkSize(): number {
    return this.reader.chunkSize;
  }
  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }
  /** The reason given to `close`, once closed. */
  get reason(): Error | undefined {
    return this.closeReason;
  }

  /**
   * Sends one message; returns false when the socket buffer is above its high-water mark (wait for
   * `drain` or check `bufferedBytes` before sending more media). Sending after close is a no-op.
   */
  sendMessage(m: OutgoingMessage): boolean {
    if (this.connState !== "open") return false;
    if (m.body.type === "WindowAckSize") this.sentWindowAckSize = m.body.size;
    const { typeId, payload } = encodeMessage(m.body);
    return this.write(this.writer.write({ chunkStreamId: m.chunkStreamId, messageStreamId: m.messageStreamId, timestamp: m.timestamp, typeId, payload }));
  }

  /**
   * Sends a media or data message whose payload other connections send too (a relayed FLV tag
   * body): its chunks after the first header are cut once for all of them (ChunkWriter.writeParts).
   * The writes of one tick are corked into one writev. Same return value as `sendMessage`.
   */
  sendShared(m: RtmpMessageToSend): boolean {
    if (this.connState !== "open") return false;
    const [header, body] = this.writer.writeParts(m);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.bytesOut += header.length + body.length;
    this.socket.write(header);
    return this.socket.write(body);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  /** Sends a command (AMF0, chunk stream 3 unless given). */
  sendCommand(name: string, transactionId: number, commandObject: Amf0Value, args: readonly Amf0Value[] = [], messageStreamId = 0, chunkStreamId: number = CSID.command): boolean {
    return this.sendMessage({ chunkStreamId, messageStreamId, timestamp: 0, body: { type: "Command", name, transactionId, commandObject, args } });
  }

  /** Sends a protocol control message on chunk stream 2, message stream 0. */
  sendControl(body: MessageBody): boolean {
    return this.sendMessage({ chunkStreamId: CSID.control, messageStreamId: 0, timestamp: 0, body });
  }

  /** The next transaction id for a call (1, 2, 3, ...; connect is 1 when called first). */
  nextTransactionId(): number {
    return ++this.transactionId;
  }

  /**
   * Sends a command with a fresh transaction id and resolves with the peer's `_result`; rejects
   * with RtmpCommandRejectedError on `_error`, ERR_RTMP_CALL_TIMEOUT, or the close reason.
   */
  call(name: string, commandObject: Amf0Value, args: readonly Amf0Value[] = [], messageStreamId = 0, timeoutMs = this.callTimeoutMs): Promise<CommandMessage> {
    if (this.connState !== "open") return Promise.reject(this.closedError(`cannot call ${name}`));
    const transactionId = this.nextTransactionId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transactionId);
        reject(new RtmpError(SESSION_ERR.CALL_TIMEOUT, `no answer to ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transactionId, { name, resolve, reject, timer });
      this.sendCommand(name, transactionId, commandObject, args, messageStreamId);
    });
  }

  /** Sends Set Chunk Size and uses the new size for everything sent after it. */
  setChunkSize(size: number): void {
    this.sendControl({ type: "SetChunkSize", chunkSize: size });
    this.writer.chunkSize = size;
  }

  /**
   * Closes the connection once: `close` is emitted with `reason`, pending calls are rejected. What
   * was already written is flushed (the socket is ended, and destroyed 2 s later at the latest);
   * `{ now: true }` destroys it at once (a misbehaving peer).
   */
  close(reason?: Error, options: { now?: boolean } = {}): void {
    if (this.connState === "closed") {
      if (options.now) this.socket.destroy();
      return;
    }
    this.connState = "closed";
    this.closeReason = reason;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    const pendingError = reason ?? this.closedError("connection closed");
    for (const [, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(pendingError);
    }
    this.pending.clear();
    this.socket.off("data", this.onData);
    if (options.now || this.socket.destroyed) this.socket.destroy();
    else {
      this.socket.end();
      this.lingerTimer = setTimeout(() => this.socket.destroy(), 2000);
      this.lingerTimer.unref();
      this.socket.once("close", () => clearTimeout(this.lingerTimer));
    }
    try {
      this.emit("close", reason);
    } catch (err) {
      this.log.error("close listener failed", { error: errorMessage(err) });
    }
  }

  private closedError(what: string): TranspondError {
    return new RtmpError(SESSION_ERR.CLOSED, `${what}: RTMP connection is ${this.connState}${this.closeReason ? ` (${this.closeReason.message})` : ""}`);
  }

  private write(bytes: Uint8Array): boolean {
    this.bytesOut += bytes.length;
    return this.socket.write(bytes);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.connState === "closed") return;
    this.bytesIn += chunk.length;
    try {
      let bytes: Uint8Array = chunk;
      if (this.connState === "handshake") {
        const step: HandshakeStep = this.handshaker.push(bytes);
        if (step.send.length > 0) this.write(step.send);
        if (!step.done) return;
        clearTimeout(this.handshakeTimer);
        this.handshakeTimer = undefined;
        this.connState = "open";
        this.emit("handshake");
        bytes = step.rest;
        if (bytes.length === 0 || this.connState !== "open") return;
      }
      for (const raw of this.reader.push(bytes)) {
        if (this.connState !== "open") return;
        this.dispatch(decodeMessage(raw), raw);
      }
      // counted after dispatch so a Window Acknowledgement Size in this read already applies
      const ackSeq = this.ack.received(bytes.length);
      if (ackSeq !== undefined && this.isOpen) this.sendControl({ type: "Acknowledgement", sequenceNumber: ackSeq });
    } catch (err) {
      this.closeOnInputError(err);
    }
  };

  /**
   * Handles the peer's input outside a socket read (messages a listener held back) the way a read
   * does: a ParseError closes the connection as malformed input, any other error as a listener failure.
   */
  handleInput(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.closeOnInputError(err);
    }
  }

  private closeOnInputError(err: unknown): void {
    if (err instanceof ParseError) {
      this.log.warn("closing: malformed input from peer", { peer: this.remoteAddress, code: err.code, error: err.message });
      this.close(err, { now: true });
    } else {
      this.log.error("closing: RTMP listener failed", { peer: this.remoteAddress, error: errorMessage(err) });
      this.close(new RtmpError(SESSION_ERR.LISTENER_FAILED, `RTMP connection listener failed: ${errorMessage(err)}`, { cause: err }), { now: true });
    }
  }

  private dispatch(body: MessageBody, raw: RtmpRawMessage): void {
    if (body.type === "Aggregate") {
      for (const sub of body.messages) this.dispatch(decodeMessage(sub), sub);
      return;
    }
    this.emit("message", body, raw);
    const meta = { chunkStreamId: raw.chunkStreamId, messageStreamId: raw.messageStreamId, timestamp: raw.timestamp };
    switch (body.type) {
      case "WindowAckSize":
        this.ack.windowSize = body.size;
        return;
      case "SetPeerBandwidth":
        // As FFmpeg and nginx-rtmp: tell the peer the window we acknowledge at (once per change).
        if (body.limitType !== LIMIT_TYPE.dynamic || this.sentWindowAckSize < 0) this.announceWindow(this.windowAckSize);
        return;
      case "UserControl":
        if (body.event === "PingRequest") this.sendControl({ type: "UserControl", event: "PingResponse", timestamp: body.timestamp });
        return;
      case "Audio":
        this.emit("audio", { ...meta, data: body.data });
        return;
      case "Video":
        this.emit("video", { ...meta, data: body.data });
        return;
      case "Data":
        this.emit("data", { ...meta, values: body.values });
        return;
      case "Command":
        return this.onCommand({ ...meta, name: body.name, transactionId: body.transactionId, commandObject: body.commandObject, args: body.args });
      default:
        return;
    }
  }

  private announceWindow(size: number): void {
    if (size === this.sentWindowAckSize) return;
    this.sendControl({ type: "WindowAckSize", size });
  }

  private onCommand(command: CommandMessage): void {
    const call = (command.name === "_result" || command.name === "_error") && command.transactionId > 0 ? this.pending.get(command.transactionId) : undefined;
    if (!call) return void this.emit("command", command);
    this.pending.delete(command.transactionId);
    clearTimeout(call.timer);
    if (command.name === "_result") call.resolve(command);
    else call.reject(new RtmpCommandRejectedError(call.name, command, infoDescription(command.args[0])));
  }
}
