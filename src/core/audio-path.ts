/**
 * The audio a transponder sends: the source's audio, transcoded when the target needs another codec,
 * silenced by mute, mixed with a WAV by sound_on (implemented over src/audio).
 */
import type { AudioConfig, AudioFrame } from "../codecs/frame.ts";

export interface AudioPath {
  /** The config of the audio the target receives, once known. */
  readonly config: AudioConfig | undefined;
  /** The source's audio config changed (or arrived). */
  setSourceConfig(config: AudioConfig): void;
  /** One source frame in, zero or more target frames out (times on the stream timeline). */
  push(frame: AudioFrame): AudioFrame[];
  setMuted(muted: boolean): void;
  soundOn(path: string, loop: boolean): void;
  soundOff(): void;
  readonly muted: boolean;
  readonly soundEnabled: boolean;
}

export type AudioPathFactory = () => AudioPath;
