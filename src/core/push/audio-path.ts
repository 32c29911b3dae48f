/**
 * The audio a transponder sends: the source's audio, transcoded when the target needs another codec
 * (Opus from browsers -> AAC), silenced by mute, mixed with a WAV by sound_on, and silence on the
 * video's clock when the stream has no audio at all (targets such as YouTube want an audio track).
 * Built over src/audio's AudioTranscoder; the transcoder is (re)made when the source config changes.
 */
import type { AudioConfig, AudioFrame } from "../../codecs/frame.ts";
import type { AudioTarget } from "../../audio/transcoder.ts";
import { inThreadTranscoder, type Transcoder, type TranscoderMaker } from "../../audio/transcoders.ts";
import type { PcmBlock } from "../../audio/pcm.ts";
import type { Logger } from "../../log.ts";
import type { RtmpAudioCodec } from "../../config-keys.ts";

export interface AudioPath {
  /** The config of the audio the target receives, once known. */
  readonly config: AudioConfig | undefined;
  /** The source's audio config changed (or arrived). */
  setSourceConfig(config: AudioConfig): void;
  /**
   * One source frame in, zero or more target frames out (times on the stream timeline). A path
   * whose codecs run in a worker returns none here and hands them to `onOutput` when they are made.
   */
  push(frame: AudioFrame): AudioFrame[];
  /** Where frames made after push or tick returned go. */
  onOutput(deliver: (frames: AudioFrame[]) => void): void;
  /** Called with the video clock; yields silence when the stream has no audio. */
  tick(nowMs: number): AudioFrame[];
  setMuted(muted: boolean): void;
  soundOn(sound: PcmBlock, loop: boolean): void;
  soundOff(): void;
  close(): void;
  readonly muted: boolean;
  readonly soundEnabled: boolean;
}

export type AudioPathFactory = (codec: RtmpAudioCodec, streamName: string) => AudioPath;


/** What the transcoder makes for a transponder's audio codec (G.711 is always 8 kHz mono, Speex 16 kHz mono). */
export function rtmpAudioTarget(codec: RtmpAudioCodec, aacBitrate: number): AudioTarget {
  switch (codec) {
    case "aac":
      return { codec: "AAC", bitrate: aacBitrate };
    case "alaw":
      return { codec: "PCMA" };
    case "ulaw":
      return { codec: "PCMU" };
    case "speex16":
      return { codec: "SPEEX" };
  }
}

/** How long to wait for the source's audio before a video-only stream gets generated silence. */
const SILENCE_AFTER_MS = 1000;
/**
 * Source frames held while the transcoder is being made: about 5 s of AAC or Opus, room for a codec
 * worker thread that starts with the stream's first transcoder on a busy host.
 */
const MAX_WAITING = 250;

export class TranscodingAudioPath implements AudioPath {
  private transcoder?: Transcoder;
  private creating?: Promise<void>;
  private sourceConfig?: AudioConfig;
  /** source frames that came while the transcoder for their config was being made */
  private waiting: AudioFrame[] = [];
  private firstVideoMs?: number;
  private sound?: { pcm: PcmBlock; loop: boolean };
  private readonly target: AudioTarget;
  private readonly log: Logger;
  private readonly make: TranscoderMaker;
  private deliver: (frames: AudioFrame[]) => void = () => {};
  muted = false;
  /** source frames dropped while the transcoder was being made (more than MAX_WAITING, or it could not be made) */
  droppedWhileStarting = 0;

  constructor(target: AudioTarget, log: Logger, make: TranscoderMaker = inThreadTranscoder) {
    this.target = target;
    this.log = log;
    this.make = make;
  }

  onOutput(deliver: (frames: AudioFrame[]) => void): void {
    this.deliver = deliver;
  }

  get config(): AudioConfig | undefined {
    return this.transcoder?.output;
  }

  get soundEnabled(): boolean {
    return this.sound !== undefined;
  }

  setSourceConfig(config: AudioConfig): void {
    this.sourceConfig = config;
    this.create(config, 0);
  }

  push(frame: AudioFrame): AudioFrame[] {
    if (this.creating && this.sourceConfig && this.waiting.length < MAX_WAITING) {
      this.waiting.push(frame);
      return [];
    }
    if (this.creating || !this.transcoder?.source) {
      this.droppedWhileStarting++;
      return [];
    }
    return this.transcoder.push(frame);
  }

  tick(nowMs: number): AudioFrame[] {
    if (this.sourceConfig) return [];
    this.firstVideoMs ??= nowMs;
    if (!this.transcoder && !this.creating && nowMs - this.firstVideoMs >= SILENCE_AFTER_MS) this.create(undefined, nowMs);
    return this.transcoder?.tick(nowMs) ?? [];
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.transcoder?.setMuted(muted);
  }

  soundOn(pcm: PcmBlock, loop: boolean): void {
    this.sound = { pcm, loop };
    this.transcoder?.soundOn(pcm, loop);
  }

  soundOff(): void {
    this.sound = undefined;
    this.transcoder?.soundOff();
  }

  close(): void {
    this.creating = undefined; // a transcoder still being made is closed when it arrives
    this.waiting = [];
    this.transcoder?.close();
    this.transcoder = undefined;
  }

  private create(source: AudioConfig | undefined, startMs: number): void {
    this.droppedWhileStarting += this.waiting.length;
    this.waiting = [];
    const made = this.make({ source, target: this.target, startMs }, (frames) => this.deliver(frames)).then(
      (transcoder) => {
        if (this.creating !== made) return transcoder.close();
        this.creating = undefined;
        this.transcoder?.close();
        this.transcoder = transcoder;
        transcoder.setMuted(this.muted);
        if (this.sound) transcoder.soundOn(this.sound.pcm, this.sound.loop);
        const waiting = this.waiting;
        this.waiting = [];
        for (const frame of waiting) this.deliver(transcoder.push(frame));
      },
      (err: unknown) => {
        if (this.creating !== made) return;
        this.creating = undefined;
        this.droppedWhileStarting += this.waiting.length;
        this.waiting = [];
        this.log.warn("audio cannot be republished", { codec: source?.codec ?? "none", error: err as Error });
      },
    );
    this.creating = made;
  }
}
