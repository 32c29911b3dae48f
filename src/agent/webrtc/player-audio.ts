/**
 * The audio of one WebRTC player: what the stream carries, turned into the one audio codec the
 * answer chose (see offer-codecs.ts). Opus to Opus and G.711 to the same G.711 pass untouched;
 * everything else (AAC from RTMP, G.711 to a browser without it) goes through an AudioTranscoder
 * to Opus or G.711. The transcoder is created when the stream's audio config comes (its Opus
 * decoder loads asynchronously); frames arriving meanwhile wait in a bounded queue, in order.
 */
import { inThreadTranscoder, type Transcoder, type TranscoderMaker } from "../../audio/transcoders.ts";
import { sameBytes } from "../../codecs/bytes.ts";
import type { AudioConfig, AudioFrame } from "../../codecs/frame.ts";
import type { Logger } from "../../log.ts";
import type { AudioChoice } from "./offer-codecs.ts";

/** Frames held while the transcoder is being created (about 2 s of AAC or G.711). */
const MAX_QUEUED = 100;
/** G.711 bytes (samples) per RTP packet sent: 20 ms at 8 kHz. */
const G711_PACKET = 160;

/** The codecs a player offers to take, best first, for a stream whose audio is `source`. */
export function playerAudioPreference(source: AudioConfig | undefined): AudioChoice[] {
  if (source?.codec === "PCMA" || source?.codec === "PCMU") return [source.codec, "opus"];
  return ["opus"];
}

export class PlayerAudio {
  /** source frames not sent: no config yet, queue full, or a transcoder that could not be made */
  skipped = 0;
  private readonly send: AudioChoice;
  private readonly opusBitrate: number;
  private readonly emit: (frame: AudioFrame) => void;
  private readonly log: Logger | undefined;
  private source: AudioConfig | undefined;
  private transcoder: Transcoder | undefined;
  private readonly make: TranscoderMaker;
  private creating: Promise<void> | undefined;
  private queue: AudioFrame[] = [];
  private closed = false;

  constructor(options: { send: AudioChoice; opusBitrate: number; emit: (frame: AudioFrame) => void; log?: Logger; transcoder?: TranscoderMaker }) {
    this.send = options.send;
    this.make = options.transcoder ?? inThreadTranscoder;
    this.opusBitrate = options.opusBitrate;
    this.emit = options.emit;
    this.log = options.log;
  }

  /** True when the source's codec is what the browser takes. */
  get passthrough(): boolean {
    return this.source !== undefined && this.passes(this.source);
  }

  config(config: AudioConfig): void {
    if (this.closed || sameConfig(this.source, config)) return;
    this.source = config;
    this.transcoder?.close();
    this.transcoder = undefined;
    this.queue = [];
    if (this.passes(config)) return;
    const target = this.send === "opus" ? { codec: "OPUS" as const, bitrate: this.opusBitrate } : { codec: this.send };
    const created = this.make({ source: config, target }, (frames) => this.emitAll(frames));
    const creating = created.then(
      (t) => {
        if (this.closed || this.creating !== creating) return t.close();
        this.creating = undefined;
        this.transcoder = t;
        const waiting = this.queue;
        this.queue = [];
        for (const f of waiting) this.transcode(f);
      },
      (err: unknown) => {
        if (this.creating !== creating) return;
        this.creating = undefined;
        this.skipped += this.queue.length;
        this.queue = [];
        this.log?.warn("the stream's audio cannot be played", { codec: config.codec, send: this.send, error: err as Error });
      },
    );
    this.creating = creating;
  }

  frame(frame: AudioFrame): void {
    if (this.closed) return;
    const source = this.source;
    if (!source || frame.codec !== source.codec) {
      this.skipped++;
      return;
    }
    if (this.passes(source)) return this.pass(frame);
    if (this.transcoder) return this.transcode(frame);
    if (this.creating && this.queue.length < MAX_QUEUED) this.queue.push(frame);
    else this.skipped++;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.transcoder?.close();
    this.transcoder = undefined;
  }

  private passes(config: AudioConfig): boolean {
    if (this.send === "opus") return config.codec === "OPUS";
    return config.codec === this.send && config.sampleRate === 8000 && config.channels === 1;
  }

  /**
   * Sends a frame as it is; G.711 from RTMP (ffmpeg sends 128 ms per message) is cut into 20 ms
   * packets, the size browsers expect.
   */
  private pass(frame: AudioFrame): void {
    if (frame.codec === "OPUS" || frame.data.length <= G711_PACKET) return this.emit(frame);
    for (let at = 0; at < frame.data.length; at += G711_PACKET) {
      const pts = frame.pts + at / 8;
      this.emit({ ...frame, dts: frame.dts + at / 8, pts, data: frame.data.subarray(at, at + G711_PACKET) });
    }
  }

  private emitAll(frames: readonly AudioFrame[]): void {
    if (this.closed) return;
    for (const f of frames) this.emit(f);
  }

  private transcode(frame: AudioFrame): void {
    try {
      this.emitAll(this.transcoder!.push(frame));
    } catch (err) {
      this.skipped++;
      this.log?.debug("audio frame not transcoded", { error: err as Error });
    }
  }
}

function sameConfig(a: AudioConfig | undefined, b: AudioConfig): boolean {
  if (!a || a.codec !== b.codec || a.sampleRate !== b.sampleRate || a.channels !== b.channels) return false;
  if (!a.asc || !b.asc) return a.asc === b.asc;
  return sameBytes(a.asc, b.asc);
}
