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
  readonly postCos: Float64Array;
  readonly postSin: Float64Array;
  private readonly twCos: Float64Array;
  private readonly twSin: Float64Array;
  private readonly bitrev: Uint16Array;
  private readonly u: Float64Array;
  readonly re: Float64Array;
  readonly im: Float64Array;

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
    // W_h^k for k < 3h/4: a radix-4 step needs W^j, W^2j and W^3j
    this.twCos = new Float64Array((3 * h) / 4);
    this.twSin = new Float64Array((3 * h) / 4);
    for (let i = 0; i < (3 * h) / 4; i++) {
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
    this.dct4Fft(input, inOffset);
    for (let k = 0; k < this.fftSize; k++) {
      const c = this.postCos[k]!;
      const s = this.postSin[k]!;
      const r = re[k]! * c - im[k]! * s;
      const i = re[k]! * s + im[k]! * c;
      out[outOffset + 2 * k] = r;
      out[outOffset + m - 1 - 2 * k] = -i;
    }
  }

  /**
   * The DCT-IV up to its post-twiddle, left in `re`/`im`: Y[2k] = Re(z), Y[M-1-2k] = -Im(z) with
   * z = (re[k] + i im[k]) (postCos[k] + i postSin[k]). For a caller that fuses the post-twiddle with its own pass.
   */
  dct4Fft(input: ArrayLike<number>, inOffset: number): void {
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
  }

  /** In-place FFT on bit-reversed `re`/`im`: two stages without multiplications, then radix-4 steps (and one radix-2). */
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
    // Radix-4 steps from blocks of m to 4m. After bit reversal the four blocks of m hold the
    // sub-DFTs of the indexes = 0, 2, 1, 3 (mod 4): X[j + qm] = sum_r W^(rj) A_r[j] (-i)^(qr).
    let m = 4;
    for (; 4 * m <= n; m *= 4) {
      const step = n / (4 * m);
      for (let j = 0; j < m; j++) {
        const w1r = twCos[j * step]!;
        const w1i = twSin[j * step]!;
        const w2r = twCos[2 * j * step]!;
        const w2i = twSin[2 * j * step]!;
        const w3r = twCos[3 * j * step]!;
        const w3i = twSin[3 * j * step]!;
        for (let p = j; p < n; p += 4 * m) {
          const i1 = p + m;
          const i2 = p + 2 * m;
          const i3 = p + 3 * m;
          const a0r = re[p]!;
          const a0i = im[p]!;
          const a1r = re[i2]!;
          const a1i = im[i2]!;
          const a2r = re[i1]!;
          const a2i = im[i1]!;
          const a3r = re[i3]!;
          const a3i = im[i3]!;
          const t1r = a1r * w1r - a1i * w1i;
          const t1i = a1r * w1i + a1i * w1r;
          const t2r = a2r * w2r - a2i * w2i;
          const t2i = a2r * w2i + a2i * w2r;
          const t3r = a3r * w3r - a3i * w3i;
          const t3i = a3r * w3i + a3i * w3r;
          const s02r = a0r + t2r;
          const s02i = a0i + t2i;
          const d02r = a0r - t2r;
          const d02i = a0i - t2i;
          const s13r = t1r + t3r;
          const s13i = t1i + t3i;
          const d13r = t1r - t3r;
          const d13i = t1i - t3i;
          re[p] = s02r + s13r;
          im[p] = s02i + s13i;
          re[i2] = s02r - s13r;
          im[i2] = s02i - s13i;
          re[i1] = d02r + d13i;
          im[i1] = d02i - d13r;
          re[i3] = d02r - d13i;
          im[i3] = d02i + d13r;
        }
      }
    }
    if (m === n) return;
    // One radix-2 step left (n = 2m).
    const step = n / (2 * m);
    for (let j = 0; j < m; j++) {
      const wr = twCos[j * step]!;
      const wi = twSin[j * step]!;
      const q = j + m;
      const qr = re[q]!;
      const qi = im[q]!;
      const xr = qr * wr - qi * wi;
      const xi = qr * wi + qi * wr;
      const pr = re[j]!;
      const pi = im[j]!;
      re[q] = pr - xr;
      im[q] = pi - xi;
      re[j] = pr + xr;
      im[j] = pi + xi;
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
