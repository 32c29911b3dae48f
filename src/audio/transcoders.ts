/**
 * Where an outgoing stream's AudioTranscoder runs: in this thread, or in a codec worker
 * (./pooled-transcoder.ts). Both have the same shape; a worker's output frames come later, to the
 * `deliver` function, and its push and tick return none.
 */
import type { AudioConfig, AudioFrame } from "../codecs/frame.ts";
import type { PcmBlock } from "./pcm.ts";
import type { TranscoderOptions } from "./transcoder.ts";

export interface Transcoder {
  readonly source: AudioConfig | undefined;
  readonly output: AudioConfig;
  push(frame: AudioFrame): AudioFrame[];
  tick(nowMs: number): AudioFrame[];
  setMuted(muted: boolean): void;
  soundOn(sound: PcmBlock, loop: boolean): void;
  soundOff(): void;
  close(): void;
}

export type TranscoderMaker = (options: TranscoderOptions, deliver: (frames: AudioFrame[]) => void) => Promise<Transcoder>;

/** Codecs in the event loop's thread (`media.workers=0`), their code (WebAssembly Opus, AAC) loaded at the first one. */
export const inThreadTranscoder: TranscoderMaker = async (options) => (await import("./transcoder.ts")).AudioTranscoder.create(options);
