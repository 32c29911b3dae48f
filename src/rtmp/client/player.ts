/**
 * The RTMP player: plays one stream of an RTMP server in the message order of FFmpeg as a player
 * (libavformat rtmpproto.c): handshake, connect (app, flashVer, tcUrl, fpad, capabilities, codecs),
 * then on its `_result` Window Acknowledgement Size and createStream, then getStreamLength(name),
 * play(name, -2000) on the new message stream and User Control Set Buffer Length. The connection
 * answers Ping Requests and sends Acknowledgements every window (session/connection.ts).
 *
 * Media arrives as `media` events in the media model (configs, frames, onMetaData). `end` (once) says
 * the server stopped the stream: User Control StreamEOF (what nginx-rtmp sends when the publisher
 * leaves) or onStatus NetStream.Play.UnpublishNotify / Stop / Complete (FMS, Wowza, WCS); `close`
 * says the connection dropped. Neither is emitted after `stop()`.
 */
import { EventEmitter } from "node:events";
import { errorMessage } from "../../errors.ts";
import { createLogger, type Logger } from "../../log.ts";
import { PublishMediaDecoder, type PublishedMedia } from "../server/publish-media.ts";
import type { RtmpConnection } from "../session/connection.ts";
import { RtmpCommandRejectedError } from "../session/errors.ts";
import type { CommandMessage } from "../session/events.ts";
import { statusOf } from "../session/status.ts";
import { PLAY_ERR, RtmpPlayError } from "./errors.ts";
import { openRtmpConnection } from "./open.ts";
import { waitForStatus } from "./status-wait.ts";
import type { RtmpTarget } from "./url.ts";

export interface PlayerOptions {
  /** flashVer of connect; FFmpeg's "LNX 9,0,124,2" by default */
  readonly flashVer?: string;
  readonly log?: Logger;
  /** ms for TCP/TLS connect, handshake, each command answer and the play status */
  readonly timeoutMs?: number;
  /** false accepts any TLS certificate (test servers); true by default */
  readonly verifyTls?: boolean;
  /** PEM file of a CA to trust besides the system's (rtmps://) */
  readonly ca?: string;
  readonly maxMessageSize?: number;
  /** Set Buffer Length sent after play, ms (FFmpeg: 3000) */
  readonly bufferLengthMs?: number;
}

export interface RtmpPlayerEvents {
  media: [PublishedMedia];
  /** the server ended the stream: "StreamEOF" or the status code (NetStream.Play.UnpublishNotify, ...) */
  end: [reason: string];
  /** the connection dropped or was closed by the server */
  close: [reason: string];
}

export const FFMPEG_FLASH_VER = "LNX 9,0,124,2";
/** Window Acknowledgement Size FFmpeg announces as a player */
const PLAYER_WINDOW_ACK_SIZE = 2_500_000;
/** FFmpeg's "source" chunk stream: getStreamLength and play go on it, on the new message stream */
const SOURCE_CSID = 8;
const END_CODES = new Set(["NetStream.Play.UnpublishNotify", "NetStream.Play.Stop", "NetStream.Play.Complete"]);

export class RtmpPlayer extends EventEmitter<RtmpPlayerEvents> {
  private readonly target: RtmpTarget;
  private readonly options: PlayerOptions;
  private readonly log: Logger;
  private readonly decoder = new PublishMediaDecoder();
  private conn?: RtmpConnection;
  private streamId = 0;
  private stopping = false;
  private ended = false;

  constructor(target: RtmpTarget, options: PlayerOptions = {}) {
    super();
    this.target = target;
    this.options = options;
    this.log = (options.log ?? createLogger("rtmp.player")).child(`${target.host}:${target.port}`);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10000;
  }

  /** Connects and plays; resolves on NetStream.Play.Start. */
  async start(): Promise<void> {
    const options = { timeoutMs: this.timeoutMs, verifyTls: this.options.verifyTls ?? true, ca: this.options.ca, maxMessageSize: this.options.maxMessageSize, log: this.log };
    const conn = await openRtmpConnection(this.target, options, (message, cause) => new RtmpPlayError(PLAY_ERR.CONNECT, message, true, { cause }));
    this.conn = conn;
    conn.on("video", (m) => this.deliver(() => this.decoder.media("video", m.data, m.timestamp)));
    conn.on("audio", (m) => this.deliver(() => this.decoder.media("audio", m.data, m.timestamp)));
    conn.on("data", (m) => this.deliver(() => this.decoder.data(m.values)));
    try {
      await this.connectApp(conn);
      await this.play(conn);
    } catch (err) {
      conn.close();
      if (err instanceof RtmpPlayError) throw err;
      throw new RtmpPlayError(PLAY_ERR.CONNECT, `play failed: ${errorMessage(err)}`, true, { cause: err });
    }
    conn.on("command", this.onStatus);
    conn.on("message", (body) => {
      if (body.type === "UserControl" && body.event === "StreamEOF" && body.streamId === this.streamId) this.end("StreamEOF");
    });
    conn.on("close", (reason) => {
      if (this.stopping) return;
      this.emit("close", reason ? errorMessage(reason) : "the server closed the connection");
    });
    this.log.info("playing", { app: this.target.app, stream: this.target.streamName });
  }

  /** Closes the stream (deleteStream) and the connection; no `end` or `close` event follows. */
  stop(): void {
    this.stopping = true;
    const conn = this.conn;
    if (!conn?.isOpen) return;
    if (this.streamId > 0) conn.sendCommand("deleteStream", conn.nextTransactionId(), null, [this.streamId]);
    conn.close();
  }

  private async connectApp(conn: RtmpConnection): Promise<void> {
    const command = {
      app: this.target.app,
      flashVer: this.options.flashVer ?? FFMPEG_FLASH_VER,
      tcUrl: this.target.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
    };
    try {
      await conn.call("connect", command);
    } catch (err) {
      if (!(err instanceof RtmpCommandRejectedError)) throw err;
      const status = statusOf(err.command);
      const text = status ? `${status.code}: ${status.description}`.trim() : err.message;
      throw new RtmpPlayError(PLAY_ERR.CONNECT_REJECTED, `connect rejected: ${text}`, false, { cause: err });
    }
  }

  private async play(conn: RtmpConnection): Promise<void> {
    const name = this.target.streamName;
    conn.sendControl({ type: "WindowAckSize", size: PLAYER_WINDOW_ACK_SIZE });
    const created = await conn.call("createStream", null);
    this.streamId = typeof created.args[0] === "number" ? created.args[0] : 1;
    conn.sendCommand("getStreamLength", conn.nextTransactionId(), null, [name], this.streamId, SOURCE_CSID);
    const started = this.waitForPlayStatus(conn);
    conn.sendCommand("play", conn.nextTransactionId(), null, [name, -2000], this.streamId, SOURCE_CSID);
    conn.sendControl({ type: "UserControl", event: "SetBufferLength", streamId: this.streamId, bufferLength: this.options.bufferLengthMs ?? 3000 });
    await started;
  }

  /** Resolves on NetStream.Play.Start; rejects with the server's code and description otherwise. */
  private waitForPlayStatus(conn: RtmpConnection): Promise<void> {
    const timeoutMs = this.timeoutMs;
    return waitForStatus(conn, {
      timeoutMs,
      decide: (status) => {
        if (status.code === "NetStream.Play.Start") return "ok";
        if (status.level !== "error") return undefined;
        // a stream that is not published yet may be soon: retried
        return new RtmpPlayError(PLAY_ERR.PLAY_REJECTED, `${status.code}: ${status.description}`.trim(), true);
      },
      timeoutError: () => new RtmpPlayError(PLAY_ERR.TIMEOUT, `no answer to play within ${timeoutMs} ms`, true),
      closedError: (reason) => new RtmpPlayError(PLAY_ERR.CLOSED_ON_PLAY, `the server closed the connection before playing started${reason ? `: ${reason.message}` : ""}`, true),
    });
  }

  private readonly onStatus = (command: CommandMessage): void => {
    if (command.name !== "onStatus" || this.stopping) return;
    const status = statusOf(command);
    if (status && END_CODES.has(status.code)) this.end(status.code);
  };

  private end(reason: string): void {
    if (this.ended || this.stopping) return;
    this.ended = true;
    this.emit("end", reason);
  }

  private deliver(decode: () => PublishedMedia[]): void {
    if (this.stopping) return;
    let outputs: PublishedMedia[];
    try {
      outputs = decode();
    } catch (err) {
      this.log.warn("closing: malformed media from the server", { error: errorMessage(err) });
      this.conn?.close(err instanceof Error ? err : undefined, { now: true });
      return;
    }
    for (const out of outputs) this.emit("media", out);
  }
}
