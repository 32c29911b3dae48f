/**
 * A MediaSink that turns a stream's configs and frames into FLV tags for one consumer: an RTMP
 * player, an HTTP-FLV response or a recording. What the consumer gets, in order:
 *
 *   onMetaData (script tag: size, codec ids, sample rate, plus the publisher's own properties)
 *   AVC sequence header, AAC sequence header (those known when the first frame arrives)
 *   frames from the first video keyframe (audio-only streams: from the first frame), timestamps
 *   rebased so the consumer's timeline starts at 0; a later config change sends a new sequence
 *   header at once.
 *
 * The consumer (a TagTarget) reports congestion; while congested, frames wait in a FrameQueue
 * bounded by `queueMs` that drops video up to the next keyframe and counts drops (DESIGN: sinks
 * never block a source). The owner calls `drain()` when the consumer can take more.
 */
import type { AudioConfig, AudioFrame, Frame, TrackConfig } from "../../codecs/frame.ts";
import { errorMessage } from "../../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { encodeMetadata, type FlvMetadata } from "../../flv/metadata.ts";
import { flvAudioCodecId, flvCanCarry, tagsFromConfig, tagsFromFrame } from "../../flv/frames.ts";
import { TAG_TYPE, type FlvTag } from "../../flv/tag.ts";
import { FlvWriter } from "../../flv/file-writer.ts";
import { createLogger } from "../../log.ts";
import { FrameQueue, type FrameQueueStats } from "./frame-queue.ts";
import type { MediaSink } from "./media-sink.ts";
import type { Stream } from "./stream.ts";

const log = createLogger("flv-sink");
/** FLV tags of a frame, shared by every sink of the stream (same body; each sink sets its timestamp). */
const tagCache = new WeakMap<Frame, FlvTag[]>();

/** Where FLV tags go. */
export interface TagTarget {
  /** Takes tags in order (script, audio, video; timestamps non-decreasing per type). */
  send(tags: readonly FlvTag[]): void;
  /** True while the consumer's buffer is above its limit: frames are queued instead of sent. */
  readonly congested: boolean;
  /** The stream ended (`reason` is user-facing); the target finishes its output. */
  end(reason: string): void;
}

export interface FlvSinkOptions {
  readonly target: TagTarget;
  /** FrameQueue span (config `rtmp_send_queue_ms`) */
  readonly queueMs: number;
  /** The publisher's onMetaData properties (kept by the RTMP ingest), merged into ours. */
  readonly publisherMetadata?: () => Readonly<Record<string, Amf0Value>> | undefined;
}

/** onMetaData for the configs of a stream, as nginx-rtmp and FFmpeg write it for live output. */
export function metadataFor(video: TrackConfig | undefined, audio: TrackConfig | undefined, publisher: Readonly<Record<string, Amf0Value>> = {}): Uint8Array {
  const known: FlvMetadata = {
    ...(video && video.codec === "H264" ? { width: video.width, height: video.height, videocodecid: 7 } : {}),
    ...(typeof publisher.framerate === "number" ? { framerate: publisher.framerate } : {}),
    ...(audio && audio.codec !== "H264"
      ? { audiosamplerate: audio.sampleRate, audiosamplesize: 16, stereo: audio.channels > 1, audiocodecid: flvAudioCodecId(audio.codec) }
      : {}),
  };
  const extra: Record<string, Amf0Value> = {};
  for (const [k, v] of Object.entries(publisher)) if (k !== "duration" && k !== "filesize") extra[k] = v;
  extra.server = "Transpond";
  return encodeMetadata(known, "onMetaData", extra);
}

/**
 * Which tracks an FLV of this stream carries: an Opus track has no FLV codec id and is left out
 * unless `transcodesAudio` (./flv-audio.ts gives the sink AAC for it).
 */
export function flvTracksOf(stream: Stream, transcodesAudio = false): { hasVideo: boolean; hasAudio: boolean } {
  const audio = stream.audioConfig;
  return {
    hasVideo: stream.videoConfig !== undefined || stream.frames.video > 0,
    hasAudio: audio !== undefined ? transcodesAudio || flvCanCarry(audio.codec) : stream.frames.audio > 0,
  };
}

/** Takes the audio an FLV cannot carry (Opus) from a sink, to give it back as AAC (./flv-audio.ts). */
export interface UncarriedAudio {
  config(config: AudioConfig): void;
  frame(frame: AudioFrame): void;
}

export class FlvSink implements MediaSink {
  private readonly target: TagTarget;
  private readonly queue: FrameQueue;
  private readonly options: FlvSinkOptions;
  private video: TrackConfig | undefined;
  private audio: TrackConfig | undefined;
  private started = false;
  private ended = false;
  private base: number | undefined;
  private readonly last = { audio: 0, video: 0 };
  private uncarried?: UncarriedAudio;
  private endListener?: () => void;
  /** frames sent to the target */
  sent = 0;

  constructor(options: FlvSinkOptions) {
    this.options = options;
    this.target = options.target;
    this.queue = new FrameQueue(options.queueMs);
  }

  get stats(): FrameQueueStats & { sent: number } {
    return { ...this.queue.stats, sent: this.sent };
  }

  /** Audio FLV cannot carry goes to `to` (which sends this sink AAC made of it) instead of being left out. */
  sendUncarriedAudioTo(to: UncarriedAudio): void {
    this.uncarried = to;
  }

  /** `listener` runs once when the sink ends. */
  onEnd(listener: () => void): void {
    this.endListener = listener;
  }

  config(config: TrackConfig): void {
    // Opus from browsers has no FLV codec id: without a transcoder the file carries video only
    // (players would wait forever for audio announced in the header or the metadata).
    if (!flvCanCarry(config.codec)) {
      if (config.codec !== "H264") this.uncarried?.config(config);
      return;
    }
    if (config.codec === "H264") this.video = config;
    else this.audio = config;
    // before the start the header carries it; after, the new sequence header goes out now
    if (this.started && !this.ended) this.flushThen(() => this.sendTags(this.configTags(config, this.last[config.codec === "H264" ? "video" : "audio"])));
  }

  frame(frame: Frame): void {
    if (this.ended) return;
    if (!flvCanCarry(frame.codec)) {
      if (frame.kind === "audio") this.uncarried?.frame(frame);
      return;
    }
    if (!this.started) {
      // wait for a keyframe when the stream has video; audio-only streams start at once
      if (frame.kind === "video" ? !frame.key : this.video !== undefined) return;
      this.start(frame);
    }
    if (this.queue.length > 0 || this.target.congested) {
      this.queue.push(frame);
      return;
    }
    this.sendFrame(frame);
  }

  /** The target can take more: sends queued frames while it is not congested. */
  drain(): void {
    while (!this.ended && this.queue.length > 0 && !this.target.congested) this.sendFrame(this.queue.shift()!);
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.clear();
    this.target.end(reason);
    this.endListener?.();
  }

  private start(first: Frame): void {
    this.started = true;
    this.base = first.dts;
    const tags: FlvTag[] = [{ tagType: TAG_TYPE.SCRIPT, timestamp: 0, data: metadataFor(this.video, this.audio, this.options.publisherMetadata?.() ?? {}) }];
    if (this.video) tags.push(...this.configTags(this.video, 0));
    if (this.audio) tags.push(...this.configTags(this.audio, 0));
    this.sendTags(tags);
  }

  private flushThen(fn: () => void): void {
    this.drain();
    fn();
  }

  private configTags(config: TrackConfig, timestamp: number): FlvTag[] {
    try {
      return tagsFromConfig(config, timestamp);
    } catch (err) {
      log.debug("config not sent", { codec: config.codec, error: errorMessage(err) });
      return [];
    }
  }

  private sendFrame(frame: Frame): void {
    const ts = Math.max(0, frame.dts - (this.base ?? frame.dts));
    const t = Math.max(ts, this.last[frame.kind]);
    this.last[frame.kind] = t;
    let tags = tagCache.get(frame);
    try {
      // the tag body does not depend on the consumer's timeline: build it once per frame for all sinks
      if (!tags) tagCache.set(frame, (tags = tagsFromFrame(frame)));
    } catch (err) {
      log.debug("frame not sent", { codec: frame.codec, error: errorMessage(err) });
      return;
    }
    this.sent++;
    this.sendTags(tags.map((tag) => ({ ...tag, timestamp: t % 2 ** 32 })));
  }

  private sendTags(tags: readonly FlvTag[]): void {
    if (tags.length > 0) this.target.send(tags);
  }
}

/** Minimal writable the byte target needs (a ServerResponse, a fs.WriteStream, a socket). */
export interface ByteSink {
  write(bytes: Uint8Array): boolean;
  end(): void;
  readonly writableLength: number;
  cork?(): void;
  uncork?(): void;
}

/**
 * A TagTarget writing an FLV byte stream (header, tags, PreviousTagSize) to a writable: used for
 * HTTP-FLV and recordings. Congested above `highWaterBytes` of unwritten output. The tags' data
 * buffers are written as they are (shared by every consumer of the frame), and the writes of one
 * tick are corked into one writev.
 */
export function flvByteTarget(out: ByteSink, flags: { hasAudio: boolean; hasVideo: boolean }, highWaterBytes = 1024 * 1024): TagTarget {
  const writer = new FlvWriter(flags);
  let open = true;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    out.uncork?.();
  };
  return {
    send(tags) {
      if (!open) return;
      try {
        const parts = writer.writeParts(tags);
        if (!corked && out.cork) {
          corked = true;
          out.cork();
          process.nextTick(uncork);
        }
        for (const part of parts) out.write(part);
      } catch (err) {
        log.warn("FLV output failed", { error: errorMessage(err) });
      }
    },
    get congested() {
      return out.writableLength > highWaterBytes;
    },
    end() {
      if (!open) return;
      open = false;
      out.end();
    },
  };
}
