/**
 * A published stream: one source, any number of sinks. Configs are replayed to a new sink, which
 * then starts at the next keyframe; the source is asked for one at once instead of waiting for the
 * encoder's interval. DTS is kept non-decreasing per track for every sink.
 */
import type { AudioConfig, Frame, H264Config, TrackConfig } from "../codecs/frame.ts";
import type { MediaSink, MediaSource } from "./media-sink.ts";

export type StreamStatus = "PUBLISHING" | "UNPUBLISHED" | "FAILED";

interface Attached {
  sink: MediaSink;
  waitingForKey: boolean;
}

export interface StreamInfo {
  readonly name: string;
  readonly mediaSessionId: string;
  readonly source: MediaSource["kind"];
  readonly createdAt: number;
}

export class Stream {
  readonly info: StreamInfo;
  private readonly source: MediaSource;
  private readonly sinks = new Map<MediaSink, Attached>();
  private video?: H264Config;
  private audio?: AudioConfig;
  private lastDts = { video: -Infinity, audio: -Infinity };
  private ended = false;
  frames = { video: 0, audio: 0 };

  constructor(info: StreamInfo, source: MediaSource) {
    this.info = info;
    this.source = source;
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
    for (const attached of this.sinks.values()) {
      if (attached.waitingForKey) {
        if (fixed.kind === "audio") continue;
        if (!fixed.key) continue;
        attached.waitingForKey = false;
      }
      attached.sink.frame(fixed);
    }
  }

  /** Attaches a sink: configs now, frames from the next keyframe (audio-only streams start at once). */
  addSink(sink: MediaSink): () => void {
    if (this.ended) {
      sink.end("Stream is not published");
      return () => {};
    }
    if (this.video) sink.config(this.video);
    if (this.audio) sink.config(this.audio);
    const hasVideo = this.video !== undefined || this.frames.video > 0;
    this.sinks.set(sink, { sink, waitingForKey: hasVideo });
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
