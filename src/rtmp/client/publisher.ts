/**
 * The RTMP publisher: one connection attempt to one target, in the message order of FFmpeg and OBS
 * (DESIGN "Republishing to RTMP"): handshake, Set Chunk Size, connect (with adobe/llnw challenge
 * answers on reconnect), releaseStream, FCPublish, createStream, publish(name, "live"), then
 * @setDataFrame onMetaData, the AVC and AAC sequence headers and the frames; FCUnpublish and
 * deleteStream on stop. RTMPS is the same over TLS.
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import { errorMessage } from "../../errors.ts";
import { TypedEmitter } from "../../events.ts";
import { Amf0EcmaArray, type Amf0Value } from "../../flv/amf0.ts";
import { flvAudioCodecId, tagsFromConfig, tagsFromFrame } from "../../flv/frames.ts";
import { TAG_TYPE, type FlvTag } from "../../flv/tag.ts";
import { createLogger, type Logger } from "../../log.ts";
import { CSID, type RtmpConnection } from "../session/connection.ts";
import { RtmpCommandRejectedError } from "../session/errors.ts";
import { statusOf } from "../session/status.ts";
import { authQuery, readChallenge } from "./auth.ts";
import { PUBLISH_ERR, RtmpPublishError } from "./errors.ts";
import { openRtmpConnection } from "./open.ts";
import { waitForStatus } from "./status-wait.ts";
import { parseRtmpTarget, type RtmpTarget } from "./url.ts";

export interface PublishMetadata {
  width?: number;
  height?: number;
  frameRate?: number;
  videoCodec?: "H264";
  audioCodec?: "AAC" | "PCMA" | "PCMU" | "SPEEX";
  audioSampleRate?: number;
  audioChannels?: number;
}

/** what FFmpeg's FMLE-style publishers send; servers that sniff encoders accept it */
export const DEFAULT_FLASH_VERSION = "FMLE/3.0 (compatible; FMSc/1.0)";

export interface PublisherOptions {
  /** flashVer sent in connect (DEFAULT_FLASH_VERSION) */
  readonly flashVer?: string;
  readonly log?: Logger;
  /** ms for TCP/TLS connect, handshake and each command answer */
  readonly timeoutMs?: number;
  /** chunk size we send with (OBS 4096) */
  readonly chunkSize?: number;
  /** false accepts any TLS certificate (test servers); true by default */
  readonly verifyTls?: boolean;
  readonly maxMessageSize?: number;
}

const MAX_AUTH_ROUNDS = 3;

/** idle -> connecting -> publishing -> closed; a failed start() goes from connecting to closed. */
export type PublisherState = "idle" | "connecting" | "publishing" | "closed";

export interface RtmpPublisherEvents extends Record<string, unknown> {
  state: { readonly from: PublisherState; readonly to: PublisherState };
  /** Once, when the connection ends without stop(); `reason` is user-facing. */
  close: { readonly reason: string };
  /** The socket's write buffer emptied (for senders that wait on `bufferedBytes`). */
  drain: undefined;
}

/** One publisher is one connection attempt: start() once, stop() once. */
export class RtmpPublisher extends TypedEmitter<RtmpPublisherEvents> {
  private readonly target: RtmpTarget;
  private readonly options: PublisherOptions;
  private readonly log: Logger;
  private conn?: RtmpConnection;
  private streamId = 0;
  private stopping = false;
  private current: PublisherState = "idle";

  /** `target` as a URL is the full form: its last path segment is the stream name. */
  constructor(target: RtmpTarget | string, options: PublisherOptions = {}) {
    super();
    this.target = typeof target === "string" ? parseRtmpTarget(target, { fullUrl: true }) : target;
    this.options = options;
    this.log = (options.log ?? createLogger("rtmp.publisher")).child(`${this.target.host}:${this.target.port}`);
  }

  get bufferedBytes(): number {
    return this.conn?.bufferedBytes ?? 0;
  }

  get state(): PublisherState {
    return this.current;
  }

  /** Connects (answering an authentication challenge if the server sends one) and publishes. */
  async start(): Promise<void> {
    this.setState("connecting");
    try {
      await this.connectAndPublish();
    } catch (err) {
      this.setState("closed");
      throw err;
    }
    this.setState("publishing");
  }

  private async connectAndPublish(): Promise<void> {
    let app = this.target.app;
    for (let round = 0; ; round++) {
      const conn = await this.open();
      const rejection = await this.connectApp(conn, app);
      if (rejection === undefined) return this.publish(conn, app);
      conn.close();
      const step = readChallenge(rejection);
      if (step.kind === "none") throw new RtmpPublishError(PUBLISH_ERR.CONNECT_REJECTED, `connect rejected: ${rejection}`, false);
      if (step.kind === "failed") throw new RtmpPublishError(PUBLISH_ERR.AUTH_FAILED, `${step.reason}`, false);
      if (this.target.user === undefined || this.target.password === undefined) {
        throw new RtmpPublishError(PUBLISH_ERR.AUTH_FAILED, `the server asks for authmod=${step.authmod} authentication: put user:password in the rtmpUrl`, false);
      }
      if (round >= MAX_AUTH_ROUNDS) throw new RtmpPublishError(PUBLISH_ERR.AUTH_FAILED, "authentication did not complete", false);
      const query = authQuery(step, this.target.user, this.target.password, this.target.app);
      app = this.target.app + (this.target.app.includes("?") ? "&" : "?") + query;
      this.log.debug(`answering authmod=${step.authmod} challenge (${step.kind})`);
    }
  }

  sendMetadata(m: PublishMetadata): void {
    const props: Record<string, Amf0Value> = { duration: 0, fileSize: 0 };
    if (m.width) props.width = m.width;
    if (m.height) props.height = m.height;
    if (m.videoCodec) props.videocodecid = 7;
    if (m.frameRate) props.framerate = m.frameRate;
    if (m.audioCodec) props.audiocodecid = flvAudioCodecId(m.audioCodec)!;
    if (m.audioSampleRate) props.audiosamplerate = m.audioSampleRate;
    if (m.audioCodec) props.audiosamplesize = 16;
    if (m.audioChannels) props.stereo = m.audioChannels > 1;
    props.encoder = "Transpond";
    this.sendData(["@setDataFrame", "onMetaData", new Amf0EcmaArray(props)]);
  }

  /** Sends a data message (AMF0) on the published stream. */
  sendData(values: Amf0Value[], chunkStreamId: number = CSID.data): void {
    this.conn?.sendMessage({ chunkStreamId, messageStreamId: this.streamId, timestamp: 0, body: { type: "Data", values } });
  }

  sendConfig(config: TrackConfig, timestamp: number): void {
    for (const tag of tagsFromConfig(config)) this.sendTag(tag, timestamp);
  }

  sendFrame(frame: Frame, timestamp: number): void {
    for (const tag of tagsFromFrame(frame)) this.sendTag(tag, timestamp);
  }

  /** Unpublishes (FCUnpublish, deleteStream) and closes; no `close` event follows. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.setState("closed");
    const conn = this.conn;
    if (!conn?.isOpen) return;
    conn.sendCommand("FCUnpublish", conn.nextTransactionId(), null, [this.target.streamName]);
    conn.sendCommand("deleteStream", conn.nextTransactionId(), null, [this.streamId]);
    conn.close();
  }

  /** Sends one FLV tag body as it is (files, relays); `timestamp` is the RTMP timestamp. */
  sendTag(tag: FlvTag, timestamp: number): void {
    const video = tag.tagType === TAG_TYPE.VIDEO;
    this.conn?.sendMessage({
      chunkStreamId: video ? CSID.video : CSID.audio,
      messageStreamId: this.streamId,
      timestamp: timestamp % 2 ** 32,
      body: video ? { type: "Video", data: tag.data } : { type: "Audio", data: tag.data },
    });
  }

  private open(): Promise<RtmpConnection> {
    const options = { timeoutMs: this.options.timeoutMs ?? 10000, verifyTls: this.options.verifyTls ?? true, maxMessageSize: this.options.maxMessageSize, log: this.log };
    return openRtmpConnection(this.target, options, (message, cause) => new RtmpPublishError(PUBLISH_ERR.CONNECT, message, true, { cause }));
  }

  /** Sends Set Chunk Size and connect; resolves undefined on success or with the rejection text. */
  private async connectApp(conn: RtmpConnection, app: string): Promise<string | undefined> {
    conn.setChunkSize(this.options.chunkSize ?? 4096);
    // tcUrl carries the same app as connect (with any authentication query), as FFmpeg sends it.
    const tcUrl = this.target.tcUrl.slice(0, this.target.tcUrl.length - this.target.app.length) + app;
    try {
      await conn.call("connect", { app, type: "nonprivate", flashVer: this.options.flashVer ?? DEFAULT_FLASH_VERSION, tcUrl });
      return undefined;
    } catch (err) {
      if (err instanceof RtmpCommandRejectedError) {
        const status = statusOf(err.command);
        return status ? `${status.code}: ${status.description}`.trim() : err.message;
      }
      if (!conn.isOpen) {
        const appName = this.target.app.split("?")[0];
        throw new RtmpPublishError(PUBLISH_ERR.CONNECT, `the server closed the connection after connect to application "${appName}" without answering: check the application name in the URL (nginx-rtmp closes the connection for an application it does not have)`, true, { cause: err });
      }
      throw new RtmpPublishError(PUBLISH_ERR.CONNECT, `connect failed: ${errorMessage(err)}`, true, { cause: err });
    }
  }

  private async publish(conn: RtmpConnection, app: string): Promise<void> {
    const name = this.target.streamName;
    const timeoutMs = this.options.timeoutMs ?? 10000;
    try {
      conn.sendCommand("releaseStream", conn.nextTransactionId(), null, [name]);
      conn.sendCommand("FCPublish", conn.nextTransactionId(), null, [name]);
      const created = await conn.call("createStream", null);
      this.streamId = typeof created.args[0] === "number" ? created.args[0] : 1;
      const started = this.waitForPublishStatus(conn, timeoutMs);
      conn.sendCommand("publish", conn.nextTransactionId(), null, [name, "live"], this.streamId, CSID.video);
      await started;
    } catch (err) {
      conn.close();
      if (err instanceof RtmpPublishError) throw err;
      throw new RtmpPublishError(PUBLISH_ERR.CONNECT, `publish failed: ${errorMessage(err)}`, true, { cause: err });
    }
    this.conn = conn;
    conn.on("drain", () => this.emit("drain", undefined));
    conn.on("close", (reason) => {
      if (this.stopping) return;
      this.setState("closed");
      this.emit("close", { reason: reason ? errorMessage(reason) : "the server closed the connection" });
    });
    this.log.info("publishing", { app, stream: name });
  }

  /** Resolves on NetStream.Publish.Start; rejects with the server's code and description otherwise. */
  private waitForPublishStatus(conn: RtmpConnection, timeoutMs: number): Promise<void> {
    return waitForStatus(conn, {
      timeoutMs,
      decide: (status) => {
        if (!status.code.startsWith("NetStream.Publish.")) return undefined;
        if (status.code === "NetStream.Publish.Start") return "ok";
        // BadName is retried: after a network blink the server may still hold our previous session.
        const retry = status.code === "NetStream.Publish.BadName";
        return new RtmpPublishError(PUBLISH_ERR.PUBLISH_REJECTED, `${status.code}: ${status.description}`.trim(), retry);
      },
      timeoutError: () => new RtmpPublishError(PUBLISH_ERR.TIMEOUT, `no answer to publish within ${timeoutMs} ms`, true),
      // A dropped network looks the same as a refusal here, so it is retried; the transponder gives up after a few in a row.
      closedError: (reason) =>
        new RtmpPublishError(PUBLISH_ERR.CLOSED_ON_PUBLISH, `the server closed the connection before publishing started${reason ? `: ${reason.message}` : ""}`, true),
    });
  }

  /** Closed is final: a start() that completes after stop() leaves the publisher closed. */
  private setState(to: PublisherState): void {
    const from = this.current;
    if (from === to || from === "closed") return;
    this.current = to;
    this.emit("state", { from, to });
  }
}
