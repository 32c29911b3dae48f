/**
 * The AAC that FLV consumers (RTMP players, HTTP-FLV, recordings) get for a stream whose audio FLV
 * cannot carry (Opus from browsers, WHIP, WebRTC pulls; DESIGN "Every source plays everywhere").
 * One transcoder per stream, shared by all of the stream's FLV sinks: made when the first of them
 * receives such audio, closed when the last detaches or the stream ends. Its output is handed to
 * every sink as if the stream carried AAC.
 */
import type { AudioConfig, AudioFrame } from "../../codecs/frame.ts";
import type { Transcoder, TranscoderMaker } from "../../audio/transcoders.ts";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { FlvSink, UncarriedAudio } from "./flv-sink.ts";
import type { SinkKind, Stream } from "./stream.ts";

export class FlvAudioFeeds {
  private readonly feeds = new Map<Stream, AacFeed>();
  private readonly makerFor: (streamName: string) => TranscoderMaker;
  private readonly bitrate: number;
  private readonly log: Logger;

  /** `makerFor`: where a stream's transcoder runs (the codec worker pool); `bitrate`: AAC bits/s. */
  constructor(makerFor: (streamName: string) => TranscoderMaker, bitrate: number, log: Logger) {
    this.makerFor = makerFor;
    this.bitrate = bitrate;
    this.log = log;
  }

  /** Attaches `sink` to `stream` (as Stream.addSink) with the stream's AAC feed; returns the detach function. */
  attach(stream: Stream, sink: FlvSink, kind: SinkKind): () => void {
    let feed = this.feeds.get(stream);
    if (!feed) {
      feed = new AacFeed(stream.name, this.makerFor(stream.name), this.bitrate, this.log);
      this.feeds.set(stream, feed);
    }
    const shared = feed;
    let attached = true;
    const release = (): void => {
      if (!attached) return;
      attached = false;
      if (shared.remove(sink)) return;
      shared.close();
      if (this.feeds.get(stream) === shared) this.feeds.delete(stream);
    };
    shared.add(sink);
    sink.sendUncarriedAudioTo(shared);
    sink.onEnd(release);
    const detach = stream.addSink(sink, kind);
    return () => {
      detach();
      release();
    };
  }

  /** Streams with a feed (for tests and stats). */
  get size(): number {
    return this.feeds.size;
  }
}

class AacFeed implements UncarriedAudio {
  private readonly sinks = new Set<FlvSink>();
  private readonly streamName: string;
  private readonly make: TranscoderMaker;
  private readonly bitrate: number;
  private readonly log: Logger;
  private transcoder?: Transcoder;
  private creating?: Promise<unknown>;
  private source?: AudioConfig;
  /** the last source frame taken: every sink of the stream hands over the same frame object */
  private lastFrame?: AudioFrame;
  private closed = false;

  constructor(streamName: string, make: TranscoderMaker, bitrate: number, log: Logger) {
    this.streamName = streamName;
    this.make = make;
    this.bitrate = bitrate;
    this.log = log;
  }

  add(sink: FlvSink): void {
    this.sinks.add(sink);
    if (this.transcoder) sink.config(this.transcoder.output);
  }

  /** Removes a sink; false when none is left. */
  remove(sink: FlvSink): boolean {
    this.sinks.delete(sink);
    return this.sinks.size > 0;
  }

  config(config: AudioConfig): void {
    if (this.closed || config === this.source) return;
    this.source = config;
    const made = this.make({ source: config, target: { codec: "AAC", bitrate: this.bitrate } }, (frames) => this.deliver(frames)).then(
      (transcoder) => {
        if (this.creating !== made || this.closed) return transcoder.close();
        this.creating = undefined;
        this.transcoder?.close();
        this.transcoder = transcoder;
        for (const sink of this.sinks) sink.config(transcoder.output);
      },
      (err: unknown) => {
        if (this.creating === made) this.creating = undefined;
        this.log.warn("FLV players get no audio: the stream's audio cannot be transcoded to AAC", { name: this.streamName, codec: config.codec, error: errorMessage(err) });
      },
    );
    this.creating = made;
  }

  frame(frame: AudioFrame): void {
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    if (!this.transcoder?.source) return;
    this.deliver(this.transcoder.push(frame));
  }

  close(): void {
    this.closed = true;
    this.creating = undefined;
    this.transcoder?.close();
    this.transcoder = undefined;
  }

  private deliver(frames: AudioFrame[]): void {
    if (this.closed) return;
    for (const frame of frames) for (const sink of this.sinks) sink.frame(frame);
  }
}
