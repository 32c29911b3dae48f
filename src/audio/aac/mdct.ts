/**
 * The forward MDCT of ISO/IEC 14496-3 section 4.6.11.3 without its factor 2:
 *   X[k] = sum_{n=0}^{N-1} x[n] cos(2 pi / N (n + n0)(k + 1/2)),  n0 = (N/2 + 1) / 2,  k < N/2.
 * Computed as a DCT-IV of the folded input (a, b, c, d) -> (-c_r - d, a - b_r) through an N/8-point
 * complex FFT with pre- and post-twiddles (`dct4`, which the decoder's IMDCT uses too). `mdctReference`
 * is the O(N^2) definition for tests.
 */

export class Mdct {
  readonly size: number;
  private readonly m: number;
  private readonly fftSize: number;
  private readonly preCos: Float64Array;
  private readonly preSin: Float64Array;
  private readonly postCos: Float64Array;
  private readonly postSin: Float64Array;
  private readonly twCos: Float64Array;
  private readonly twSin: Float64Array;
  private readonly bitrev: Uint16Array;
  private readonly u: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /** `size` is the window length N (2048 or 256), a power of two of at least 16. */
  constructor(size: number) {
    this.size = size;
    const m = size / 2;
    this.m = m;
    const h = m / 2;
    this.fftSize = h;
    this.preCos = new Float64Array(h);
    this.preSin = new Float64Array(h);
    this.postCos = new Float64Array(h);
    this.postSin = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      this.preCos[i] = Math.cos((-Math.PI * i) / m);
      this.preSin[i] = Math.sin((-Math.PI * i) / m);
      this.postCos[i] = Math.cos((-Math.PI * (i + 0.25)) / m);
      this.postSin[i] = Math.sin((-Math.PI * (i + 0.25)) / m);
    }
    this.twCos = new Float64Array(h / 2);
    this.twSin = new Float64Array(h / 2);
    for (let i = 0; i < h / 2; i++) {
      this.twCos[i] = Math.cos((-2 * Math.PI * i) / h);
      this.twSin[i] = Math.sin((-2 * Math.PI * i) / h);
    }
    const bits = Math.log2(h);
    this.bitrev = new Uint16Array(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.bitrev[i] = r;
    }
    this.u = new Float64Array(m);
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
  }

  /**
   * Transforms `size` samples of `input` starting at `inOffset`, multiplied by `window`, into
   * `size / 2` coefficients written to `out` at `outOffset`.
   */
  forward(input: Float32Array | Float64Array, inOffset: number, window: Float64Array, out: Float64Array, outOffset: number): void {
    const m = this.m;
    const half = m / 2;
    const u = this.u;
    for (let n = 0; n < half; n++) {
      // u[n] = -c[half-1-n] - d[n]; u[half+n] = a[n] - b[half-1-n]
      const ci = m + half - 1 - n;
      const di = m + half + n;
      const ai = n;
      const bi = m - 1 - n;
      u[n] = -input[inOffset + ci]! * window[ci]! - input[inOffset + di]! * window[di]!;
      u[half + n] = input[inOffset + ai]! * window[ai]! - input[inOffset + bi]! * window[bi]!;
    }
    this.dct4(u, 0, out, outOffset);
  }

  /**
   * The DCT-IV of `size / 2` values of `input` from `inOffset`:
   *   Y[k] = sum_n x[n] cos(pi / M (n + 1/2)(k + 1/2)),  M = size / 2,
   * written to `out` at `outOffset`. It is its own inverse up to a factor 2 / M (the decoder's IMDCT).
   */
  dct4(input: ArrayLike<number>, inOffset: number, out: Float64Array, outOffset: number): void {
    const m = this.m;
    const re = this.re;
    const im = this.im;
    const h = this.fftSize;
    for (let i = 0; i < h; i++) {
      const a = input[inOffset + 2 * i]!;
      const b = input[inOffset + m - 1 - 2 * i]!;
      const c = this.preCos[i]!;
      const s = this.preSin[i]!;
      const j = this.bitrev[i]!;
      re[j] = a * c - b * s;
      im[j] = a * s + b * c;
    }
    this.fft();
    for (let k = 0; k < h; k++) {
      const c = this.postCos[k]!;
      const s = this.postSin[k]!;
      const r = re[k]! * c - im[k]! * s;
      const i = re[k]! * s + im[k]! * c;
      out[outOffset + 2 * k] = r;
      out[outOffset + m - 1 - 2 * k] = -i;
    }
  }

  /** In-place radix-2 FFT on bit-reversed `re`/`im`; the first two stages need no multiplications. */
  private fft(): void {
    const re = this.re;
    const im = this.im;
    const n = this.fftSize;
    for (let p = 0; p < n; p += 4) {
      // Stages of length 2 and 4 (twiddles 1 and -i).
      const r0 = re[p]! + re[p + 1]!;
      const i0 = im[p]! + im[p + 1]!;
      const r1 = re[p]! - re[p + 1]!;
      const i1 = im[p]! - im[p + 1]!;
      const r2 = re[p + 2]! + re[p + 3]!;
      const i2 = im[p + 2]! + im[p + 3]!;
      const r3 = re[p + 2]! - re[p + 3]!;
      const i3 = im[p + 2]! - im[p + 3]!;
      re[p] = r0 + r2;
      im[p] = i0 + i2;
      re[p + 2] = r0 - r2;
      im[p + 2] = i0 - i2;
      re[p + 1] = r1 + i3;
      im[p + 1] = i1 - r3;
      re[p + 3] = r1 - i3;
      im[p + 3] = i1 + r3;
    }
    const twCos = this.twCos;
    const twSin = this.twSin;
    for (let len = 8; len <= n; len <<= 1) {
      const halfLen = len >> 1;
      const step = n / len;
      for (let j = 0; j < halfLen; j++) {
        const wr = twCos[j * step]!;
        const wi = twSin[j * step]!;
        for (let p = j; p < n; p += len) {
          const q = p + halfLen;
          const qr = re[q]!;
          const qi = im[q]!;
          const xr = qr * wr - qi * wi;
          const xi = qr * wi + qi * wr;
          const pr = re[p]!;
          const pi = im[p]!;
          re[q] = pr - xr;
          im[q] = pi - xi;
          re[p] = pr + xr;
          im[p] = pi + xi;
        }
      }
    }
  }
}

/** The O(N^2) definition, for tests. */
export function mdctReference(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n / 2);
  const n0 = (n / 2 + 1) / 2;
  for (let k = 0; k < n / 2; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i]! * Math.cos(((2 * Math.PI) / n) * (i + n0) * (k + 0.5));
    out[k] = sum;
  }
  return out;
}
