/**
 * A small psychoacoustic model: per coded band it gives the scalefactor that shapes quantization
 * noise relative to the band's (spread) energy, and the scalefactor floor where that noise would sit
 * below the absolute threshold of hearing. The rate loop adds one global offset to the shape.
 *
 * Noise model of the 3/4-power quantizer: with step A = 2^((sf - 100) / 4), the expected noise of a
 * band is about (4/27) A^(3/2) sum(sqrt|x|). Allowed noise per coefficient is
 *   N = K * e^alpha   (e: spread mean energy per coefficient; K: set by the rate loop)
 * so sf = 100 + 8/3 log2(27 width N / (4 sum sqrt|x|)). alpha = 0 is flat (white) noise, which gives
 * the best waveform SNR; alpha = 1 keeps the same SNR in every band.
 */
import type { IcsLayout } from "./layout.ts";
import { SF_OFFSET } from "./quantize.ts";

/** Noise shaping exponent (see above). */
export const NOISE_SHAPE_ALPHA = 0.25;
/** Level of a full-scale sine in dB SPL, to place the threshold in quiet. */
const FULL_SCALE_SPL = 96;
/** Spreading of masking energy to the next higher and next lower band. */
const SPREAD_UP = 0.15;
const SPREAD_DOWN = 0.05;

/** Terhardt's threshold in quiet, dB SPL, f in Hz. */
export function thresholdInQuietDb(f: number): number {
  const k = Math.max(f, 20) / 1000;
  return Math.min(3.64 * k ** -0.8 - 6.5 * Math.exp(-0.6 * (k - 3.3) ** 2) + 1e-3 * k ** 4, 120);
}

/**
 * The threshold in quiet of each scalefactor band of one window, as band energy in the transform's
 * scale (a full-scale sine, `fullScale` at the MDCT input, is FULL_SCALE_SPL).
 */
export function thresholdsInQuiet(offsets: readonly number[], windowLength: number, sampleRate: number, fullScale: number): Float64Array {
  // Energy of a full-scale sine in the transform, ~ N^2 A^2 / 16 (sine window, no factor 2).
  const fullScaleEnergy = (windowLength * windowLength * fullScale * fullScale) / 16;
  const binHz = sampleRate / windowLength;
  const out = new Float64Array(offsets.length - 1);
  for (let s = 0; s < out.length; s++) {
    const lo = offsets[s]! * binHz;
    const hi = offsets[s + 1]! * binHz;
    const db = Math.min(thresholdInQuietDb(lo), thresholdInQuietDb((lo + hi) / 2), thresholdInQuietDb(hi));
    out[s] = fullScaleEnergy * 10 ** ((db - FULL_SCALE_SPL) / 10);
  }
  return out;
}

export interface BandAnalysis {
  /** Sum of x^2 per band. */
  readonly energy: Float64Array;
  /** Scalefactor of the noise shape before the global offset. */
  readonly shape: Float64Array;
  /** Scalefactor below which noise would sit under the threshold in quiet. */
  readonly athFloor: Float64Array;
  /** True when the whole band is below the threshold in quiet (send zeros). */
  readonly inaudible: Uint8Array;
}

/** Buffers for analyseBands, reusable from frame to frame (128 bands covers every layout). */
export class BandScratch implements BandAnalysis {
  readonly energy = new Float64Array(128);
  readonly shape = new Float64Array(128);
  readonly athFloor = new Float64Array(128);
  readonly inaudible = new Uint8Array(128);
  readonly mean = new Float64Array(128);
  readonly sqrtSum = new Float64Array(128);
}

/**
 * Analyses one channel's spectrum (bitstream order) for the layout; `quiet` is
 * thresholdsInQuiet() of the layout's window size. Results are written to (and returned in) `into`.
 */
export function analyseBands(layout: IcsLayout, spec: Float64Array, quiet: Float64Array, alpha = NOISE_SHAPE_ALPHA, into = new BandScratch()): BandAnalysis {
  const n = layout.bandStart.length;
  const { energy, shape, athFloor, inaudible, mean, sqrtSum } = into;
  for (let b = 0; b < n; b++) {
    let e = 0;
    let s = 0;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
      const x = spec[i]!;
      e += x * x;
      s += Math.sqrt(Math.abs(x));
    }
    energy[b] = e;
    sqrtSum[b] = s;
    mean[b] = e / (layout.bandEnd[b]! - layout.bandStart[b]!);
  }
  const perGroup = layout.maxSfb;
  for (let b = 0; b < n; b++) {
    const width = layout.bandEnd[b]! - layout.bandStart[b]!;
    const sfb = layout.bandSfb[b]!;
    const swbWidth = layout.swbOffsets[sfb + 1]! - layout.swbOffsets[sfb]!;
    // The threshold applies to the noise of one window's band, spread over its coefficients.
    const athPerCoef = quiet[sfb]! / swbWidth;
    if (energy[b]! <= athPerCoef * width || sqrtSum[b]! === 0) {
      inaudible[b] = 1;
      shape[b] = 255;
      athFloor[b] = 255;
      continue;
    }
    const below = sfb > 0 ? mean[b - 1]! : 0;
    const above = sfb + 1 < perGroup ? mean[b + 1]! : 0;
    const spread = mean[b]! + SPREAD_UP * below + SPREAD_DOWN * above;
    const base = Math.log2((27 * width) / (4 * sqrtSum[b]!));
    inaudible[b] = 0;
    shape[b] = SF_OFFSET + (8 / 3) * (base + alpha * Math.log2(spread));
    athFloor[b] = SF_OFFSET + (8 / 3) * (base + Math.log2(athPerCoef));
  }
  return into;
}
