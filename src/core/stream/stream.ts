/**
 * A published stream: one source, any number of sinks. Configs are replayed to a new sink, which
 * then starts at the next keyframe; the source is asked for one at once instead of waiting for the
 * encoder's interval. DTS is kept non-decreasing per track for every sink.
 */
import type { AudioConfig, Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import type { MediaSink, MediaSource } from "./media-sink.ts";

export type StreamStatus = "PUBLISHING" | "UNPUBLISHED" | "FAILED";

/** Who a sink is, for counting viewers by kind (/metrics, the console). */
export type SinkKind = "rtmp" | "webrtc" | "flv" | "transponder" | "relay" | "sip" | "record" | "other";
export const SINK_KINDS: readonly SinkKind[] = ["rtmp", "webrtc", "flv", "transponder", "relay", "sip", "record", "other"];

type TrackCounts = { video: number; audio: number };
/** Frames and payload bytes a stream took in and handed to its sinks, by track. */
export interface MediaTotals {
  readonly framesIn: TrackCounts;
  readonly bytesIn: TrackCounts;
  readonly framesOut: TrackCounts;
  readonly bytesOut: TrackCounts;
}

export function emptyMediaTotals(): MediaTotals {
  return { framesIn: { video: 0, audio: 0 }, bytesIn: { video: 0, audio: 0 }, framesOut: { video: 0, audio: 0 }, bytesOut: { video: 0, audio: 0 } };
}

/** Media payload of a frame: its NAL units or its audio bytes. */
export function payloadBytes(frame: Frame): number {
  return frame.kind === "audio" ? frame.data.byteLength : frame.data.reduce((n, nalu) => n + nalu.byteLength, 0);
}

interface Attached {
  sink: MediaSink;
  kind: SinkKind;
  waitingForKey: boolean;
}

export interface StreamInfo {
  readonly name: string;
  readonly mediaSessionId: string;
  readonly source: MediaSource["kind"];
  readonly createdAt: number;
  /** the application an RTMP publisher published the stream to */
  readonly rtmpApp?: string;
}

export class Stream {
  readonly info: StreamInfo;
  private readonly source: MediaSource;
  private readonly sinks = new Map<MediaSink, Attached>();
  private video?: H264Config;
  private audio?: AudioConfig;
  private lastDts = { video: -Infinity, audio: -Infinity };
  private ended = false;
  private readonly totals: MediaTotals;
  frames = { video: 0, audio: 0 };
  /** media payload bytes the source sent (the console's bitrate) */
  bytesIn = 0;

  /** `totals`: counters this stream adds to (the hub's, for the whole node); its own by default. */
  constructor(info: StreamInfo, source: MediaSource, totals: MediaTotals = emptyMediaTotals()) {
    this.info = info;
    this.source = source;
    this.totals = totals;
  }

  get name(): string {
    return this.info.name;
  }
  get videoConfig(): H264Config | undefined {
    return this.video;
  }
  get audioConfig(): AudioConfig | undefined {
    return this.audio;
  }
  /** What the source declared about video (see MediaSource.video). */
  get sourceHasVideo(): boolean | undefined {
    return this.source.video;
  }
  get sinkCount(): number {
    return this.sinks.size;
  }
  /** Attached sinks by kind (kinds with none are absent). */
  sinkCounts(): Partial<Record<SinkKind, number>> {
    const counts: Partial<Record<SinkKind, number>> = {};
    for (const { kind } of this.sinks.values()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }
  get isEnded(): boolean {
    return this.ended;
  }

  setConfig(config: TrackConfig): void {
    if (config.codec === "H264") this.video = config as H264Config;
    else this.audio = config as AudioConfig;
    for (const { sink } of this.sinks.values()) sink.config(config);
  }

  pushFrame(frame: Frame): void {
    if (this.ended) return;
    // A source whose clock steps back (a reconnecting encoder) must not make sinks see DTS go down.
    const dts = Math.max(frame.dts, this.lastDts[frame.kind]);
    const fixed = dts === frame.dts ? frame : { ...frame, dts, pts: Math.max(frame.pts, dts) };
    this.lastDts[frame.kind] = dts;
    this.frames[frame.kind]++;
    const bytes = payloadBytes(frame);
    this.bytesIn += bytes;
    this.totals.framesIn[frame.kind]++;
    this.totals.bytesIn[frame.kind] += bytes;
    for (const attached of this.sinks.values()) {
      if (attached.waitingForKey) {
        if (fixed.kind === "audio") continue;
        if (!fixed.key) continue;
        attached.waitingForKey = false;
      }
      this.totals.framesOut[frame.kind]++;
      this.totals.bytesOut[frame.kind] += bytes;
      attached.sink.frame(fixed);
    }
  }

  /** Attaches a sink: configs now, frames from the next keyframe (audio-only streams start at once). */
  addSink(sink: MediaSink, kind: SinkKind = "other"): () => void {
    if (this.ended) {
      sink.end("Stream is not published");
      return () => {};
    }
    if (this.video) sink.config(this.video);
    if (this.audio) sink.config(this.audio);
    const hasVideo = this.video !== undefined || this.frames.video > 0;
    this.sinks.set(sink, { sink, kind, waitingForKey: hasVideo });
    if (hasVideo) this.source.requestKeyframe();
    return () => this.sinks.delete(sink);
  }

  requestKeyframe(): void {
    this.source.requestKeyframe();
  }

  /** Ends the stream for every sink; `stopSource` also closes the publisher's session. */
  end(reason: string, stopSource: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (stopSource) this.source.stop(reason);
    for (const { sink } of [...this.sinks.values()]) sink.end(reason);
    this.sinks.clear();
  }
}
