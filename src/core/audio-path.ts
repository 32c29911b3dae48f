/**
 * The audio a transponder sends: the source's audio, transcoded when the target needs another codec
 * (Opus from browsers -> AAC), silenced by mute, mixed with a WAV by sound_on, and silence on the
 * video's clock when the stream has no audio at all (targets such as YouTube want an audio track).
 * Built over src/audio's AudioTranscoder; the transcoder is (re)made when the source config changes.
 */
import type { AudioConfig, AudioFrame } from "../codecs/frame.ts";
import { AudioTranscoder, type AudioTarget } from "../audio/transcoder.ts";
import type { PcmBlock } from "../audio/pcm.ts";
import type { Logger } from "../log.ts";
import type { RtmpAudioCodec } from "../config-keys.ts";

export interface AudioPath {
  /** The config of the audio the target receives, once known. */
  readonly config: AudioConfig | undefined;
  /** The source's audio config changed (or arrived). */
  setSourceConfig(config: AudioConfig): void;
  /** One source frame in, zero or more target frames out (times on the stream timeline). */
  push(frame: AudioFrame): AudioFrame[];
  /** Called with the video clock; yields silence when the stream has no audio. */
  tick(nowMs: number): AudioFrame[];
  setMuted(muted: boolean): void;
  soundOn(sound: PcmBlock, loop: boolean): void;
  soundOff(): void;
  close(): void;
  readonly muted: boolean;
  readonly soundEnabled: boolean;
}

export type AudioPathFactory = (codec: RtmpAudioCodec) => AudioPath;

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

export class TranscodingAudioPath implements AudioPath {
  private transcoder?: AudioTranscoder;
  private creating?: Promise<void>;
  private sourceConfig?: AudioConfig;
  private firstVideoMs?: number;
  private sound?: { pcm: PcmBlock; loop: boolean };
  private readonly target: AudioTarget;
  private readonly log: Logger;
  muted = false;
  /** source frames dropped while the transcoder was being made */
  droppedWhileStarting = 0;

  constructor(target: AudioTarget, log: Logger) {
    this.target = target;
    this.log = log;
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
    if (!this.transcoder?.source) {
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
    this.transcoder?.close();
    this.transcoder = undefined;
  }

  private create(source: AudioConfig | undefined, startMs: number): void {
    const made = AudioTranscoder.create({ source, target: this.target, startMs }).then(
      (transcoder) => {
        if (this.creating !== made) return transcoder.close();
        this.creating = undefined;
        this.transcoder?.close();
        this.transcoder = transcoder;
        transcoder.setMuted(this.muted);
        if (this.sound) transcoder.soundOn(this.sound.pcm, this.sound.loop);
      },
      (err: unknown) => {
        if (this.creating === made) this.creating = undefined;
        this.log.warn("audio cannot be republished", { codec: source?.codec ?? "none", error: err as Error });
      },
    );
    this.creating = made;
  }
}
