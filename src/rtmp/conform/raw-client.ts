/**
 * The conformance client: an RTMP connection whose every byte the scenario controls. Unlike
 * RtmpConnection it can send raw bytes and hand-made chunks, keep quiet where a client should
 * answer (no Acknowledgements), and it keeps every message the server sent, so a scenario can look
 * at what came and in which order. Protocol control is answered as FFmpeg does unless turned off:
 * Acknowledgements every window, Ping Response to Ping Request, our window size after Set Peer
 * Bandwidth.
 */
import { connect, type Socket } from "node:net";
import { errorMessage, ParseError, TranspondError } from "../../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { AckWindow } from "../ack-window.ts";
import { ChunkReader, type RtmpRawMessage } from "../chunk/reader.ts";
import { ChunkWriter } from "../chunk/writer.ts";
import { HandshakeClient } from "../handshake.ts";
import { HANDSHAKE_SIZE } from "../limits.ts";
import { decodeMessage, encodeMessage, type MessageBody } from "../messages.ts";
import { statusOf, type StatusInfo } from "../session/status.ts";
import { RtmpError } from "../errors.ts";
import { CONFORM_ERR } from "./errors.ts";

export interface RawClientOptions {
  /** "digest" (FFmpeg's C1), "simple" (zero version, spec 5.2.3) or "none" (the scenario sends it) */
  readonly handshake?: "digest" | "simple" | "none";
  /** send Acknowledgements when the server's window is reached (default true) */
  readonly autoAck?: boolean;
}

export interface ReceivedMessage {
  readonly raw: RtmpRawMessage;
  readonly body: MessageBody;
  /** ms since the connection opened */
  readonly at: number;
}

export interface CommandReply {
  readonly ok: boolean;
  readonly command: MessageBody & { type: "Command" };
  readonly info: StatusInfo | undefined;
}

/** What the server answered in the handshake. */
export interface HandshakeSeen {
  readonly c1: Uint8Array;
  readonly s0: number;
  readonly s1: Uint8Array;
  readonly s2: Uint8Array;
  readonly s1DigestValid: boolean;
  readonly s2SignedForC1: boolean;
}

type CommandBody = MessageBody & { type: "Command" };

export function isCommand(m: ReceivedMessage, name?: string): m is ReceivedMessage & { body: CommandBody } {
  return m.body.type === "Command" && (name === undefined || m.body.name === name);
}

export class RawClient {
  readonly socket: Socket;
  readonly messages: ReceivedMessage[] = [];
  /** Acknowledgement sequence numbers we sent */
  readonly acksSent: number[] = [];
  /** every byte received while the handshake ran (or all bytes with handshake "none") */
  readonly handshakeBytes: Uint8Array[] = [];
  readonly writer = new ChunkWriter();
  handshake: HandshakeSeen | undefined;
  bytesIn = 0;
  private readonly reader = new ChunkReader({ limits: { maxMessageSize: 32 << 20 } });
  private readonly ack = new AckWindow();
  private readonly opened = Date.now();
  private readonly taken = new Set<ReceivedMessage>();
  private readonly listeners = new Set<() => void>();
  private readonly autoAck: boolean;
  private transactionId = 0;
  private hs: HandshakeClient | undefined;
  private c1 = new Uint8Array(0);
  private closedWith: string | undefined;

  private constructor(socket: Socket, readonly timeoutMs: number, options: RawClientOptions) {
    this.socket = socket;
    this.autoAck = options.autoAck ?? true;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.markClosed(`socket error: ${err.message}`));
    socket.on("close", () => this.markClosed("server closed the connection"));
  }

  /** Connects and (unless handshake "none") completes the handshake. */
  static async open(host: string, port: number, timeoutMs: number, options: RawClientOptions = {}): Promise<RawClient> {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`)));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", (err) => reject(new RtmpError(CONFORM_ERR.CLOSED, `cannot connect to ${host}:${port}: ${err.message}`)));
    });
    socket.setTimeout(0);
    const client = new RawClient(socket, timeoutMs, options);
    const mode = options.handshake ?? "digest";
    if (mode === "none") return client;
    client.hs = new HandshakeClient({ digest: mode === "digest" });
    const c0c1 = client.hs.start();
    client.c1 = c0c1.slice(1);
    client.sendBytes(c0c1);
    await client.until("the handshake (S0 S1 S2)", () => (client.handshake ? true : undefined));
    return client;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }
  get closeReason(): string | undefined {
    return this.closedWith;
  }
  /** ms since the connection opened */
  get elapsed(): number {
    return Date.now() - this.opened;
  }

  sendBytes(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  send(m: { chunkStreamId: number; messageStreamId: number; timestamp: number; body: MessageBody }): void {
    const { typeId, payload } = encodeMessage(m.body);
    this.sendBytes(this.writer.write({ chunkStreamId: m.chunkStreamId, messageStreamId: m.messageStreamId, timestamp: m.timestamp, typeId, payload }));
  }

  sendControl(body: MessageBody): void {
    this.send({ chunkStreamId: 2, messageStreamId: 0, timestamp: 0, body });
  }

  /** Set Chunk Size, then send with it. */
  setChunkSize(size: number): void {
    this.sendControl({ type: "SetChunkSize", chunkSize: size });
    this.writer.chunkSize = size;
  }

  sendCommand(name: string, commandObject: Amf0Value, args: readonly Amf0Value[] = [], messageStreamId = 0, chunkStreamId = 3): number {
    const transactionId = ++this.transactionId;
    this.send({ chunkStreamId, messageStreamId, timestamp: 0, body: { type: "Command", name, transactionId, commandObject, args } });
    return transactionId;
  }

  /** Sends a command and waits for the `_result` / `_error` with its transaction id. */
  async call(name: string, commandObject: Amf0Value, args: readonly Amf0Value[] = [], messageStreamId = 0, chunkStreamId = 3): Promise<CommandReply> {
    const tid = this.sendCommand(name, commandObject, args, messageStreamId, chunkStreamId);
    return this.reply(name, tid);
  }

  async reply(name: string, transactionId: number): Promise<CommandReply> {
    const m = await this.next(`the answer to ${name}`, (r) => isCommand(r) && (r.body.name === "_result" || r.body.name === "_error") && r.body.transactionId === transactionId);
    const command = m.body as CommandBody;
    return { ok: command.name === "_result", command, info: statusOf(command) };
  }

  /** The next onStatus not yet looked at. */
  async status(what: string, timeoutMs = this.timeoutMs): Promise<StatusInfo> {
    const m = await this.next(what, (r) => isCommand(r, "onStatus"), timeoutMs);
    return statusOf(m.body as CommandBody) ?? { level: "", code: "", description: "" };
  }

  /** The first received message matching `match` that no earlier `next` returned; waits for it. */
  next(what: string, match: (m: ReceivedMessage) => boolean, timeoutMs = this.timeoutMs): Promise<ReceivedMessage> {
    return this.until(what, () => {
      const found = this.messages.find((m) => !this.taken.has(m) && match(m));
      if (found) this.taken.add(found);
      return found;
    }, timeoutMs);
  }

  /** Like `next` but resolves undefined instead of failing when nothing comes in time. */
  async maybe(match: (m: ReceivedMessage) => boolean, timeoutMs: number): Promise<ReceivedMessage | undefined> {
    try {
      return await this.next("", match, timeoutMs);
    } catch (err) {
      if (err instanceof TranspondError) return undefined;
      throw err;
    }
  }

  /** Resolves true when the server closes the connection within `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    try {
      await this.until("", () => (this.closed ? true : undefined), timeoutMs, true);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits until `check` returns a value, re-checking whenever bytes arrive. Fails with
   * ERR_CONFORM_TIMEOUT, or ERR_CONFORM_CLOSED when the server closes first (unless `closeOk`).
   */
  until<T>(what: string, check: () => T | undefined, timeoutMs = this.timeoutMs, closeOk = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(poll);
      };
      const poll = (): void => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.closed && !closeOk) {
          done();
          reject(new RtmpError(CONFORM_ERR.CLOSED, `waiting for ${what}: ${this.closedWith}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new RtmpError(CONFORM_ERR.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(poll);
      poll();
    });
  }

  close(): void {
    this.markClosed("closed by the client");
    this.socket.destroy();
  }

  private markClosed(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = reason;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    let bytes: Uint8Array = chunk;
    try {
      if (this.hs === undefined || !this.hs.done) {
        if (this.hs === undefined) {
          this.handshakeBytes.push(bytes);
          return this.notify();
        }
        this.handshakeBytes.push(bytes);
        const step = this.hs.push(bytes);
        if (step.send.length > 0) this.sendBytes(step.send);
        if (!step.done) return this.notify();
        this.handshake = this.seenHandshake();
        bytes = step.rest;
      }
      for (const raw of this.reader.push(bytes)) this.receive(raw);
      const seq = this.ack.received(bytes.length);
      if (seq !== undefined && this.autoAck) {
        this.sendControl({ type: "Acknowledgement", sequenceNumber: seq });
        this.acksSent.push(seq);
      }
    } catch (err) {
      this.markClosed(err instanceof ParseError ? `server sent malformed bytes: ${err.message}` : `client failed: ${errorMessage(err)}`);
      this.socket.destroy();
    }
    this.notify();
  }

  private seenHandshake(): HandshakeSeen {
    const all = Buffer.concat(this.handshakeBytes);
    const s1 = new Uint8Array(all.subarray(1, 1 + HANDSHAKE_SIZE));
    return {
      c1: this.c1,
      s0: all[0]!,
      s1,
      s2: new Uint8Array(all.subarray(1 + HANDSHAKE_SIZE, 1 + 2 * HANDSHAKE_SIZE)),
      s1DigestValid: this.hs!.serverDigestScheme !== undefined,
      s2SignedForC1: this.hs!.serverS2Signed,
    };
  }

  private receive(raw: RtmpRawMessage): void {
    let body: MessageBody;
    try {
      body = decodeMessage(raw);
    } catch {
      body = { type: "Raw", typeId: raw.typeId, payload: raw.payload };
    }
    if (body.type === "Aggregate") {
      for (const sub of body.messages) this.receive(sub);
      return;
    }
    this.messages.push({ raw, body, at: this.elapsed });
    if (body.type === "WindowAckSize") this.ack.windowSize = body.size;
    else if (body.type === "UserControl" && body.event === "PingRequest") this.sendControl({ type: "UserControl", event: "PingResponse", timestamp: body.timestamp });
  }
}
