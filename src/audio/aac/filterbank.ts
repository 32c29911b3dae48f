/**
 * The decoder's filterbank (ISO/IEC 14496-3 section 4.6.11): IMDCT
 *   x[n] = 2/N sum_k X[k] cos(2 pi / N (n + n0)(k + 1/2)),  n0 = (N/2 + 1) / 2,
 * computed as the DCT-IV of X (the encoder's Mdct.dct4) unfolded to N samples, then windowed
 * (sine or Kaiser-Bessel derived, the left half in the previous frame's shape) and overlap-added.
 * Output is scaled from the 16-bit range of the spec to floats in -1..1.
 */
import { Mdct } from "./mdct.ts";
import { SINE_LONG, SINE_SHORT, WindowSequence } from "./windows.ts";

const FULL_SCALE = 32768;

/** The rising half (length n) of the KBD window of length 2n (as FFmpeg computes it, 50 Bessel terms). */
function kbdRise(n: number, alpha: number): Float64Array {
  const out = new Float64Array(n);
  const alpha2 = ((alpha * Math.PI) / n) ** 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = i * (n - i) * alpha2;
    let bessel = 1;
    for (let j = 50; j > 0; j--) bessel = (bessel * t) / (j * j) + 1;
    sum += bessel;
    out[i] = sum;
  }
  sum++;
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(out[i]! / sum);
  return out;
}

/** Rising halves by window_shape (0 sine, 1 KBD). */
const RISE_LONG: readonly Float64Array[] = [SINE_LONG.slice(0, 1024), kbdRise(1024, 4)];
const RISE_SHORT: readonly Float64Array[] = [SINE_SHORT.slice(0, 128), kbdRise(128, 6)];

/** The first half of a long block's window: ONLY_LONG/LONG_START rise, or LONG_STOP's 448 zeros, short rise, 448 ones. */
function leftHalf(stop: boolean, shape: number): Float64Array {
  if (!stop) return RISE_LONG[shape]!;
  const w = new Float64Array(1024);
  w.set(RISE_SHORT[shape]!, 448);
  w.fill(1, 576);
  return w;
}

/** The second half: ONLY_LONG/LONG_STOP fall, or LONG_START's 448 ones, short fall, 448 zeros (index from the end). */
function rightHalf(start: boolean, shape: number): Float64Array {
  const w = new Float64Array(1024);
  if (!start) {
    for (let n = 0; n < 1024; n++) w[n] = RISE_LONG[shape]![1023 - n]!;
    return w;
  }
  w.fill(1, 0, 448);
  for (let n = 0; n < 128; n++) w[448 + n] = RISE_SHORT[shape]![127 - n]!;
  return w;
}

/** [stop][shape] and [start][shape]. */
const LEFT: readonly (readonly Float64Array[])[] = [[leftHalf(false, 0), leftHalf(false, 1)], [leftHalf(true, 0), leftHalf(true, 1)]];
const RIGHT: readonly (readonly Float64Array[])[] = [[rightHalf(false, 0), rightHalf(false, 1)], [rightHalf(true, 0), rightHalf(true, 1)]];
const LONG_SCALE = 2 / 2048 / FULL_SCALE;

/** One channel's state between frames. */
export class ChannelSynthesis {
  readonly overlap = new Float64Array(1024);
  previousShape = 0;

  /** A lost frame: play out the overlap (as if the spectrum were zero), keep nothing. */
  conceal(out: Float32Array, channel: number, channels: number): void {
    for (let n = 0; n < 1024; n++) out[n * channels + channel] = this.overlap[n]!;
    this.overlap.fill(0);
  }
}

export class Filterbank {
  private readonly longMdct = new Mdct(2048);
  private readonly shortMdct = new Mdct(256);
  private readonly dct = new Float64Array(1024);
  private readonly block = new Float64Array(2048);
  private readonly shortBlock = new Float64Array(256);

  /**
   * Synthesizes 1024 samples of one channel from its spectrum (window order: window w of an
   * EIGHT_SHORT_SEQUENCE at w * 128) into `out` (interleaved, this channel at `channel`).
   */
  synthesize(spec: Float64Array, seq: WindowSequence, shape: number, state: ChannelSynthesis, out: Float32Array, channel: number, channels: number): void {
    if (seq !== WindowSequence.EIGHT_SHORT) {
      this.longBlock(spec, seq, shape, state, out, channel, channels);
      return;
    }
    const z = this.block;
    this.shortBlocks(spec, shape, state.previousShape);
    const overlap = state.overlap;
    for (let n = 0; n < 1024; n++) {
      out[n * channels + channel] = overlap[n]! + z[n]!;
      overlap[n] = z[1024 + n]!;
    }
    state.previousShape = shape;
  }

  /**
   * IMDCT, windowing and overlap-add of a long block in one pass over the DCT-IV's post-twiddle:
   * y = DCT-IV(X) = u unfolded as y[n] = u[n + 512] (n < 512), -u[1535 - n] (n < 1536), -u[n - 1536].
   * The pair u[2k], u[1023 - 2k] lands on output (and overlap) samples p and q only, so each
   * step reads the old overlap there before writing the new.
   */
  private longBlock(spec: Float64Array, seq: WindowSequence, shape: number, state: ChannelSynthesis, out: Float32Array, channel: number, channels: number): void {
    const mdct = this.longMdct;
    mdct.dct4Fft(spec, 0);
    const { re, im, postCos, postSin } = mdct;
    const left = LEFT[seq === WindowSequence.LONG_STOP ? 1 : 0]![state.previousShape]!;
    const right = RIGHT[seq === WindowSequence.LONG_START ? 1 : 0]![shape]!;
    const overlap = state.overlap;
    const s = LONG_SCALE;
    for (let k = 0; k < 512; k++) {
      const c = postCos[k]!;
      const d = postSin[k]!;
      const even = s * (re[k]! * c - im[k]! * d); // u[2k]
      const odd = -s * (re[k]! * d + im[k]! * c); // u[1023 - 2k]
      if (k < 256) windowPair(511 - 2 * k, odd, even, left, right, overlap, out, channel, channels);
      else windowPair(2 * k - 512, even, odd, left, right, overlap, out, channel, channels);
    }
    state.previousShape = shape;
  }

  private shortBlocks(spec: Float64Array, shape: number, previousShape: number): void {
    const z = this.block;
    const y = this.shortBlock;
    z.fill(0);
    const fall = RISE_SHORT[shape]!;
    for (let w = 0; w < 8; w++) {
      const rise = RISE_SHORT[w === 0 ? previousShape : shape]!;
      this.imdct(this.shortMdct, 128, spec, w * 128, y, 0, 2 / 256 / FULL_SCALE);
      const base = 448 + 128 * w;
      for (let n = 0; n < 128; n++) {
        z[base + n]! += y[n]! * rise[n]!;
        z[base + 128 + n]! += y[128 + n]! * fall[127 - n]!;
      }
    }
  }

  /** 2M output samples from M coefficients: y = DCT-IV(X) unfolded, times `scale`. */
  private imdct(mdct: Mdct, m: number, spec: Float64Array, offset: number, out: Float64Array, outOffset: number, scale: number): void {
    const u = this.dct;
    mdct.dct4(spec, offset, u, 0);
    const half = m >> 1;
    for (let n = 0; n < half; n++) {
      out[outOffset + n] = u[n + half]! * scale;
      out[outOffset + 3 * half + n] = -u[n]! * scale;
    }
    for (let n = half; n < 3 * half; n++) out[outOffset + n] = -u[3 * half - 1 - n]! * scale;
  }
}

/** Output samples p and 1023 - p of a long block from the IMDCT values that land there, and the new overlap at both. */
function windowPair(p: number, toOutput: number, toOverlap: number, left: Float64Array, right: Float64Array, overlap: Float64Array, out: Float32Array, channel: number, channels: number): void {
  const q = 1023 - p;
  out[p * channels + channel] = overlap[p]! + toOutput * left[p]!;
  out[q * channels + channel] = overlap[q]! - toOutput * left[q]!;
  overlap[p] = -toOverlap * right[p]!;
  overlap[q] = -toOverlap * right[q]!;
}
