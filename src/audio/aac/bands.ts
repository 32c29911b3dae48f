/**
 * Sampling frequency indexes (ISO/IEC 14496-3 Table 1.18) and scalefactor band offsets for long
 * (1024) and short (128) windows (Tables 4.129 to 4.147), for the rates this encoder supports.
 */

import { AUDIO_ERR, AudioError } from "../errors.ts";

export const SAMPLE_RATE_INDEX: ReadonlyMap<number, number> = new Map([
  [96000, 0], [88200, 1], [64000, 2], [48000, 3], [44100, 4], [32000, 5],
  [24000, 6], [22050, 7], [16000, 8], [12000, 9], [11025, 10], [8000, 11],
]);

const LONG_48 = [
  0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80,
  88, 96, 108, 120, 132, 144, 160, 176, 196, 216, 240, 264, 292, 320, 352, 384,
  416, 448, 480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800, 832, 864, 896,
  928, 1024,
];
const SHORT_48 = [0, 4, 8, 12, 16, 20, 28, 36, 44, 56, 68, 80, 96, 112, 128];
const LONG_32 = [
  0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80,
  88, 96, 108, 120, 132, 144, 160, 176, 196, 216, 240, 264, 292, 320, 352, 384,
  416, 448, 480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800, 832, 864, 896,
  928, 960, 992, 1024,
];
const LONG_24 = [
  0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 52, 60, 68, 76,
  84, 92, 100, 108, 116, 124, 136, 148, 160, 172, 188, 204, 220, 240, 260, 284,
  308, 336, 364, 396, 432, 468, 508, 552, 600, 652, 704, 768, 832, 896, 960, 1024,
];
const SHORT_24 = [0, 4, 8, 12, 16, 20, 24, 28, 36, 44, 52, 64, 76, 92, 108, 128];
const LONG_16 = [
  0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 100, 112, 124, 136,
  148, 160, 172, 184, 196, 212, 228, 244, 260, 280, 300, 320, 344, 368, 396, 424,
  456, 492, 532, 572, 616, 664, 716, 772, 832, 896, 960, 1024,
];
const SHORT_16 = [0, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 60, 72, 88, 108, 128];
const LONG_8 = [
  0, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120, 132, 144, 156, 172, 188,
  204, 220, 236, 252, 268, 288, 308, 328, 348, 372, 396, 420, 448, 476, 508, 544,
  580, 620, 664, 712, 764, 820, 880, 944, 1024,
];
const SHORT_8 = [0, 4, 8, 12, 16, 20, 24, 28, 36, 44, 52, 60, 72, 88, 108, 128];

export interface BandTables {
  readonly sampleRate: number;
  readonly sampleRateIndex: number;
  /** num_swb_long + 1 offsets, the last one 1024. */
  readonly long: readonly number[];
  /** num_swb_short + 1 offsets, the last one 128. */
  readonly short: readonly number[];
}

/** The band tables for a sample rate; a rate outside Table 1.18 is refused. */
export function bandTables(sampleRate: number): BandTables {
  const index = SAMPLE_RATE_INDEX.get(sampleRate);
  if (index === undefined || index < 3) {
    throw new AudioError(AUDIO_ERR.AAC_SAMPLE_RATE, `AAC encoder: sample rate ${sampleRate} Hz is not supported (8000..48000 Hz of ISO/IEC 14496-3 Table 1.18)`);
  }
  const [long, short] =
    index <= 4 ? [LONG_48, SHORT_48] :
    index === 5 ? [LONG_32, SHORT_48] :
    index <= 7 ? [LONG_24, SHORT_24] :
    index <= 10 ? [LONG_16, SHORT_16] : [LONG_8, SHORT_8];
  return { sampleRate, sampleRateIndex: index, long, short };
}
