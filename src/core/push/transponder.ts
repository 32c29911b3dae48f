/**
 * A transponder republishes one stream to one RTMP target (WCS `/push/*`). It is a sink of the
 * stream with a bounded queue, and it survives the target going away: CONNECTING -> ACTIVE ->
 * RECONNECTING (capped exponential backoff with jitter) -> ACTIVE ..., resuming at a keyframe with
 * fresh metadata and sequence headers; FAILED when the server refuses for good; STOPPED at the end.
 * One made for a name a SIP call has reserved starts WAITING, with no stream until the call publishes.
 */
import type { AudioConfig, Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import { maskCredentials } from "../../credentials.ts";
import { errorMessage, InvalidStateError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { reconnectDelay } from "../../rtmp/client/backoff.ts";
import type { RtmpTarget } from "../../rtmp/client/url.ts";
import type { AudioPath } from "./audio-path.ts";
import { FrameQueue } from "../stream/frame-queue.ts";
import type { MediaSink } from "../stream/media-sink.ts";
import { PUBLISH_ERR, RtmpPublishError, type RtmpOutput, type RtmpOutputFactory } from "./rtmp-output.ts";
import { payloadBytes, type Stream } from "../stream/stream.ts";
import { sameBytes } from "../../codecs/bytes.ts";

export type TransponderStatus = "WAITING" | "CONNECTING" | "ACTIVE" | "RECONNECTING" | "FAILED" | "STOPPED";

const MOVES: Record<TransponderStatus, readonly TransponderStatus[]> = {
  WAITING: ["CONNECTING", "STOPPED"],
  CONNECTING: ["ACTIVE", "RECONNECTING", "FAILED", "STOPPED"],
  ACTIVE: ["RECONNECTING", "FAILED", "STOPPED"],
  RECONNECTING: ["CONNECTING", "FAILED", "STOPPED"],
  FAILED: ["STOPPED"],
  STOPPED: [],
};

/**
 * Attempts in a row closed by the server on `publish` before the transponder is FAILED: one or two
 * can be a network blink, three with a good connect each time is a refusal.
 */
const CLOSED_ON_PUBLISH_LIMIT = 3;

export interface TransponderTiming {
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** how much media may wait for a slow target before video is dropped to the next keyframe */
  queueMs: number;
  /** 0 turns periodic keyframe requests off */
  keyframeRequestIntervalMs: number;
  /** socket buffer above which frames wait in the queue */
  highWaterBytes: number;
}

export interface TransponderOptions {
  readonly id: string;
  /** absent for a WAITING transponder: `attach` hands the stream over once it is published */
  readonly stream?: Stream;
  readonly target: RtmpTarget;
  /** the URL as given, password removed */
  readonly displayUrl: string;
  readonly flashVer: string;
  readonly connect: RtmpOutputFactory;
  readonly audio: AudioPath;
  readonly timing: TransponderTiming;
  readonly log: Logger;
  readonly random?: () => number;
  readonly onStatus?: (t: Transponder, from: TransponderStatus, to: TransponderStatus) => void;
  /** reconnects counted before this transponder was made (a cluster job taken over from a lost node) */
  readonly reconnectsBefore?: number;
}

export class Transponder {
  readonly options: TransponderOptions;
  #status: TransponderStatus;
  #stream: Stream | undefined;
  #lastError = "";
  #reconnects = 0;
  #activeSince: number | undefined;
  #bytes = 0;
  private output?: RtmpOutput;
  private queue: FrameQueue;
  private video?: H264Config;
  private started = false;
  private videoHeaderDue = false;
  private sentAudioConfig?: AudioConfig;
  private baseDts = 0;
  private attempt = 0;
  /** attempts in a row the server closed on `publish` (nginx-rtmp's answer to an on_publish refusal) */
  private closedOnPublish = 0;
  private retryTimer?: NodeJS.Timeout;
  private keyframeTimer?: NodeJS.Timeout;
  private detach: () => void = () => {};

  constructor(options: TransponderOptions) {
    this.options = options;
    this.#stream = options.stream;
    this.#status = options.stream ? "CONNECTING" : "WAITING";
    this.#reconnects = options.reconnectsBefore ?? 0;
    this.queue = new FrameQueue(options.timing.queueMs);
  }

  get status(): TransponderStatus {
    return this.#status;
  }
  /** why the last attempt failed or the job stopped; empty while publishing */
  get lastError(): string {
    return this.#lastError;
  }
  /** attempts after the first connection was lost */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** the stream republished; undefined while WAITING */
  get stream(): Stream | undefined {
    return this.#stream;
  }

  get width(): number {
    return this.video?.width ?? this.#stream?.videoConfig?.width ?? 0;
  }
  get height(): number {
    return this.video?.height ?? this.#stream?.videoConfig?.height ?? 0;
  }
  /** ms in the current ACTIVE period, else 0 */
  get uptimeMs(): number {
    return this.#activeSince === undefined ? 0 : Date.now() - this.#activeSince;
  }
  /** media payload bytes sent to the target, over every connection */
  get bytes(): number {
    return this.#bytes;
  }
  get droppedFrames(): number {
    return this.queue.stats.droppedVideo + this.queue.stats.droppedAudio;
  }

  /** Starts republishing; a WAITING transponder stays so until `attach`. */
  start(): void {
    const stream = this.#stream;
    if (!stream) return;
    const sink: MediaSink = {
      config: (c) => this.onConfig(c),
      frame: (f) => this.onFrame(f),
      end: (reason) => this.stop(reason),
    };
    this.detach = stream.addSink(sink, "transponder");
    this.options.audio.onOutput((frames) => this.enqueue(frames));
    const interval = this.options.timing.keyframeRequestIntervalMs;
    if (interval > 0) this.keyframeTimer = setInterval(() => stream.requestKeyframe(), interval);
    void this.connect();
  }

  /** The stream a WAITING transponder was made for is published: CONNECTING, then as `start`. */
  attach(stream: Stream): void {
    if (this.#status !== "WAITING") return;
    this.#stream = stream;
    this.transition("CONNECTING");
    this.start();
  }

  /** Ends the job: unpublishes from the target and detaches from the stream. */
  stop(reason = "Stopped"): void {
    if (this.#status === "STOPPED") return;
    this.#lastError = this.#status === "FAILED" ? this.#lastError : reason;
    this.transition("STOPPED");
    clearTimeout(this.retryTimer);
    clearInterval(this.keyframeTimer);
    this.detach();
    this.options.audio.close();
    const output = this.output;
    this.output = undefined;
    void output?.stop().catch(() => {});
  }

  private transition(to: TransponderStatus): void {
    const from = this.#status;
    if (!MOVES[from].includes(to)) throw new InvalidStateError("transponder", from, to, MOVES[from]);
    this.#status = to;
    this.#activeSince = to === "ACTIVE" ? Date.now() : undefined;
    this.options.log.info(`transponder ${from} -> ${to}`, { id: this.options.id, url: this.options.displayUrl, ...(this.#lastError && to !== "ACTIVE" ? { reason: this.#lastError } : {}) });
    this.options.onStatus?.(this, from, to);
  }

  private async connect(): Promise<void> {
    const output = this.options.connect(this.options.target, this.options.flashVer);
    this.output = output;
    output.on("close", ({ reason }) => this.lost(output, reason, true));
    output.on("drain", () => this.pump());
    try {
      await output.start();
    } catch (err) {
      return this.startFailed(output, err);
    }
    if (this.output !== output || this.#status === "STOPPED") return void output.stop().catch(() => {});
    this.attempt = 0;
    this.closedOnPublish = 0;
    this.#lastError = "";
    this.started = false;
    // The first connection starts from what the stream sent while it connected (a recording keeps
    // its start); after a drop, what was queued is stale.
    if (this.#reconnects > (this.options.reconnectsBefore ?? 0)) this.queue.clear();
    this.transition("ACTIVE");
    this.#stream?.requestKeyframe();
    this.pump();
  }

  private startFailed(output: RtmpOutput, err: unknown): void {
    if (!(err instanceof RtmpPublishError)) return this.lost(output, errorMessage(err), true);
    if (err.code !== PUBLISH_ERR.CLOSED_ON_PUBLISH) return this.lost(output, err.message, err.retry);
    this.closedOnPublish++;
    if (this.closedOnPublish < CLOSED_ON_PUBLISH_LIMIT) return this.lost(output, err.message, true);
    const reason = `the server closed the connection on publish ${this.closedOnPublish} times in a row: it refuses this stream (stream key, on_publish?)`;
    return this.lost(output, reason, false);
  }

  private lost(output: RtmpOutput, reason: string, retry: boolean): void {
    if (this.output !== output || this.#status === "STOPPED" || this.#status === "FAILED") return;
    this.output = undefined;
    const masked = maskCredentials(reason);
    this.#lastError = this.options.target.app === "" ? `${masked} (the RTMP URL has no application)` : masked;
    if (!retry) return this.transition("FAILED");
    this.transition("RECONNECTING");
    const delay = reconnectDelay(this.attempt++, this.options.timing.reconnectMinMs, this.options.timing.reconnectMaxMs, this.options.random);
    this.retryTimer = setTimeout(() => {
      if (this.#status !== "RECONNECTING") return;
      this.#reconnects++;
      this.transition("CONNECTING");
      void this.connect();
    }, delay);
  }

  private onConfig(config: TrackConfig): void {
    if (config.codec !== "H264") return this.options.audio.setSourceConfig(config as AudioConfig);
    const video = config as H264Config;
    // A looping file or a reconnecting encoder sends the same parameter sets again: nothing to do.
    if (this.video && sameBytes(this.video.sps, video.sps) && sameBytes(this.video.pps, video.pps)) return;
    this.video = video;
    // A new SPS (resolution change) needs a new sequence header before the next keyframe; the
    // timeline of this connection goes on (timestamps never restart within one RTMP publish).
    this.videoHeaderDue = this.started;
  }

  private onFrame(frame: Frame): void {
    const audio = this.options.audio;
    this.enqueue(frame.kind === "audio" ? audio.push(frame) : [...audio.tick(frame.dts), frame]);
  }

  private enqueue(frames: readonly Frame[]): void {
    if (this.#status === "STOPPED") return;
    for (const f of frames) this.queue.push(f);
    this.pump();
  }

  /** Sends queued frames while the socket keeps up; the first frame after (re)connect is a keyframe. */
  private pump(): void {
    const output = this.output;
    if (!output || this.#status !== "ACTIVE") return;
    while (output.bufferedBytes < this.options.timing.highWaterBytes) {
      const frame = this.queue.shift();
      if (!frame) return;
      if (!this.started) {
        if (frame.kind !== "video" || !frame.key) {
          if (this.video || frame.kind === "video") continue;
        }
        this.begin(output, frame.dts);
      }
      // Audio from before the first keyframe can still be queued behind it (the audio path and
      // the video depacketizer have different delays): it would all go out at timestamp 0.
      if (frame.dts < this.baseDts) continue;
      const timestamp = frame.dts - this.baseDts;
      if (frame.kind === "video" && this.videoHeaderDue) {
        if (!frame.key) continue;
        this.videoHeaderDue = false;
        output.sendConfig(this.video!, timestamp);
      }
      const audioConfig = this.options.audio.config;
      // A transcoder made again (the source's config repeated) hands out an equal config: one header is enough.
      if (frame.kind === "audio" && audioConfig && !sameAudioConfig(audioConfig, this.sentAudioConfig)) {
        this.sentAudioConfig = audioConfig;
        output.sendConfig(audioConfig, timestamp);
      }
      output.sendFrame(frame, timestamp);
      this.#bytes += payloadBytes(frame);
    }
  }

  private begin(output: RtmpOutput, dts: number): void {
    this.started = true;
    this.videoHeaderDue = false;
    this.baseDts = dts;
    const audio = this.options.audio.config;
    output.sendMetadata({
      width: this.video?.width,
      height: this.video?.height,
      videoCodec: this.video ? "H264" : undefined,
      audioCodec: audio?.codec === "OPUS" ? undefined : audio?.codec,
      audioSampleRate: audio?.sampleRate,
      audioChannels: audio?.channels,
    });
    if (this.video) output.sendConfig(this.video, 0);
    this.sentAudioConfig = audio;
    if (audio) output.sendConfig(audio, 0);
  }
}

function sameAudioConfig(a: AudioConfig, b: AudioConfig | undefined): boolean {
  const empty = new Uint8Array(0);
  return b !== undefined && a.codec === b.codec && a.sampleRate === b.sampleRate && a.channels === b.channels && sameBytes(a.asc ?? empty, b.asc ?? empty);
}
