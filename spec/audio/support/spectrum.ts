/**
 * Test-side signal analysis: a radix-2 FFT with a Kaiser window (beta 20, side lobes below -180 dB,
 * so levels near -100 dB can be read) and a least-squares sine fit for exact gain.
 */

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x * x) / 4 / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** In-place iterative radix-2 FFT. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/**
 * Level of each bin in dB relative to a full-scale (amplitude 1) sine, for the first `n` (power of
 * two) samples of channel `channel`. Returns levels for bins 0..n/2 and the bin width in Hz.
 */
export function spectrumDb(samples: Float32Array, rate: number, n: number, channels = 1, channel = 0, offset = 0): { db: Float64Array; binHz: number } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const beta = 20;
  const i0 = besselI0(beta);
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const r = (2 * i) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0;
    wsum += w;
    re[i] = (samples[(offset + i) * channels + channel] ?? 0) * w;
  }
  fft(re, im);
  const db = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    const mag = (2 * Math.hypot(re[k]!, im[k]!)) / wsum;
    db[k] = 20 * Math.log10(mag + 1e-30);
  }
  return { db, binHz: rate / n };
}

/** Highest level (dB) over the bins whose frequency lies in [fromHz, toHz]. */
export function maxDbIn(spec: { db: Float64Array; binHz: number }, fromHz: number, toHz: number): number {
  let max = -Infinity;
  for (let k = Math.ceil(fromHz / spec.binHz); k <= Math.min(spec.db.length - 1, Math.floor(toHz / spec.binHz)); k++) {
    max = Math.max(max, spec.db[k]!);
  }
  return max;
}

/** Amplitude of the sine at `freq` in samples[start..start+count) by least squares (sin and cos). */
export function sineAmplitude(samples: Float32Array, rate: number, freq: number, start: number, count: number): number {
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  for (let i = start; i < start + count; i++) {
    const s = Math.sin((2 * Math.PI * freq * i) / rate);
    const c = Math.cos((2 * Math.PI * freq * i) / rate);
    const y = samples[i]!;
    ss += s * s; cc += c * c; sc += s * c; ys += y * s; yc += y * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  return Math.hypot(a, b);
}

export function sine(rate: number, freq: number, frames: number, amplitude = 0.5, channels = 1): Float32Array {
  const out = new Float32Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
    for (let c = 0; c < channels; c++) out[i * channels + c] = v;
  }
  return out;
}
