/**
 * Streaming sample-rate converter: windowed-sinc (Kaiser) polyphase FIR for any rational ratio,
 * used between 8, 16, 44.1 and 48 kHz. State carries across `process()` calls, so splitting the
 * input into blocks changes nothing in the output (no clicks at block edges).
 *
 * Design: the pass band ends at PASS_FRACTION of the lower Nyquist frequency. Downsampling: the stop
 * band starts at the output's Nyquist, so nothing aliases by more than -STOP_DB. Upsampling: the
 * images of the pass band lie at inRate - passEdge and above, so the stop band starts there (or at
 * the output's Nyquist, whichever is lower): every image of pass-band content is attenuated by
 * STOP_DB, and only the input's own transition band (19.3-22.05 kHz at 44.1 kHz, above what Opus
 * codes; 3.5-4 kHz at 8 kHz, above the 3.4 kHz of telephone audio) leaves a weakened image just
 * above the input's Nyquist. That transition band is twice as wide as one ending at the input's
 * Nyquist, so the filter has half the taps. The Kaiser length formula (Kaiser 1974) gives the
 * number of taps.
 * Output sample n sits at input position n*M/L - S, where the latency S >= K/2 (K = taps, in input
 * samples) is a whole multiple of M, so it is also a whole number D = S*L/M of output frames. Output n
 * is emitted once input floor(n*M/L) has arrived, so every input block of N frames yields N*L/M
 * output frames (accumulated exactly), timestamps derived from output counts stay exact, and
 * dropping the first D output frames aligns output with input exactly.
 * Only the outputs asked for are computed, one phase row of K taps each (both channels of a stereo
 * signal in one pass over the row). STOP_DB is 95 so that what spec/audio/resampler.test.ts measures
 * (tones and a sweep) stays below -90 dB with margin, with 5 % fewer taps than 100 would need.
 */

import type { PcmBlock } from "./pcm.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

/** design target of the stop band, dB (the tests hold it to -90 dB) */
export const STOP_DB = 95;
/** end of the pass band as a fraction of the lower Nyquist frequency */
export const PASS_FRACTION = 0.875;
const MAX_PHASES = 4096;

interface Filter {
  /** interpolation factor L */
  readonly up: number;
  /** decimation factor M */
  readonly down: number;
  /** taps per phase, in input samples (even) */
  readonly taps: number;
  /** L * taps coefficients, phase-major */
  readonly coeffs: Float64Array;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const filters = new Map<string, Filter>();

function designFilter(inRate: number, outRate: number): Filter {
  const key = `${inRate}:${outRate}`;
  const cached = filters.get(key);
  if (cached) return cached;
  const g = gcd(inRate, outRate);
  const up = outRate / g;
  const down = inRate / g;
  if (up > MAX_PHASES) {
    throw new AudioError(AUDIO_ERR.RATE, `resampling ${inRate} -> ${outRate} Hz needs ${up} phases (max ${MAX_PHASES})`);
  }
  const passEdge = (Math.min(inRate, outRate) / 2) * PASS_FRACTION;
  const stopEdge = inRate < outRate ? Math.min(inRate - passEdge, outRate / 2) : outRate / 2;
  const beta = 0.1102 * (STOP_DB - 8.7);
  // Kaiser: N - 1 = (A - 7.95) / (14.36 * transition / fs), counted at the input rate
  const transition = (stopEdge - passEdge) / inRate;
  let taps = Math.ceil((STOP_DB - 7.95) / (14.36 * transition)) + 1;
  taps += taps & 1;
  const half = taps / 2;
  const fc = (passEdge + stopEdge) / 2 / inRate; // cycles per input sample
  const i0beta = besselI0(beta);
  const coeffs = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    let sum = 0;
    const row = new Float64Array(taps);
    for (let k = 0; k < taps; k++) {
      const tau = k - half + 1 - frac; // input index minus output position
      const x = 2 * fc * tau;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = tau / half;
      const w = r * r >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
      row[k] = 2 * fc * sinc * w;
      sum += row[k]!;
    }
    // unity DC gain on every phase
    for (let k = 0; k < taps; k++) coeffs[p * taps + k] = row[k]! / sum;
  }
  const filter = { up, down, taps, coeffs };
  filters.set(key, filter);
  return filter;
}

/** sum of x[start + k] * h[row + k] for k < taps (taps even), four partial sums for the pipeline */
function dot(x: Float64Array, start: number, h: Float64Array, row: number, taps: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let k = 0;
  for (; k + 3 < taps; k += 4) {
    a0 += x[start + k]! * h[row + k]!;
    a1 += x[start + k + 1]! * h[row + k + 1]!;
    a2 += x[start + k + 2]! * h[row + k + 2]!;
    a3 += x[start + k + 3]! * h[row + k + 3]!;
  }
  for (; k < taps; k++) a0 += x[start + k]! * h[row + k]!;
  return a0 + a1 + (a2 + a3);
}

/** `dot` of both planes of a stereo signal in one pass over the coefficients, into out[at], out[at + 1] */
function dotStereo(l: Float64Array, r: Float64Array, start: number, h: Float64Array, row: number, taps: number, out: Float32Array, at: number): void {
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  let k = 0;
  for (; k + 3 < taps; k += 4) {
    const h0 = h[row + k]!;
    const h1 = h[row + k + 1]!;
    const h2 = h[row + k + 2]!;
    const h3 = h[row + k + 3]!;
    l0 += l[start + k]! * h0;
    l1 += l[start + k + 1]! * h1;
    l2 += l[start + k + 2]! * h2;
    l3 += l[start + k + 3]! * h3;
    r0 += r[start + k]! * h0;
    r1 += r[start + k + 1]! * h1;
    r2 += r[start + k + 2]! * h2;
    r3 += r[start + k + 3]! * h3;
  }
  if (k < taps) {
    l0 += l[start + k]! * h[row + k]! + l[start + k + 1]! * h[row + k + 1]!;
    r0 += r[start + k]! * h[row + k]! + r[start + k + 1]! * h[row + k + 1]!;
  }
  out[at] = l0 + l1 + (l2 + l3);
  out[at + 1] = r0 + r1 + (r2 + r3);
}

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly channels: number;
  private readonly filter: Filter | undefined;
  /** the last input frames (interleaved), zeros before the start */
  private readonly tail: Float32Array;
  private planes: Float64Array[] = [];
  /** input frames received so far */
  private received = 0;
  /** floor(n*M/L) and (n*M) mod L of the next output sample n */
  private base = 0;
  private phase = 0;
  /** latency S, input frames (a multiple of M, at least K/2) */
  private readonly shift: number;
  /** latency D = S*L/M, output frames */
  readonly delayFrames: number;

  constructor(inRate: number, outRate: number, channels: number) {
    for (const [name, v] of [["input rate", inRate], ["output rate", outRate]] as const) {
      if (!Number.isInteger(v) || v < 1000 || v > 384000) {
        throw new AudioError(AUDIO_ERR.RATE, `${name} ${v} Hz is not supported`);
      }
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
      throw new AudioError(AUDIO_ERR.CHANNELS, `${channels} channels are not supported`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    this.channels = channels;
    const f = inRate === outRate ? undefined : designFilter(inRate, outRate);
    this.filter = f;
    if (!f) {
      this.shift = 0;
      this.delayFrames = 0;
      this.tail = new Float32Array(0);
      return;
    }
    const half = f.taps / 2;
    this.shift = Math.ceil(half / f.down) * f.down;
    this.delayFrames = (this.shift / f.down) * f.up;
    this.tail = new Float32Array((this.shift + half) * channels);
  }

  /** Resample interleaved samples; returns the output frames that this input completes. */
  process(samples: Float32Array): Float32Array {
    const f = this.filter;
    if (!f) return samples.slice();
    const ch = this.channels;
    const { taps, up, down, coeffs } = f;
    const frames = Math.floor(samples.length / ch);
    const keep = this.tail.length / ch;
    const total = keep + frames;
    // planar working buffers (unit stride in the filter loop), reused between calls
    if (this.planes.length === 0 || this.planes[0]!.length < total) {
      this.planes = Array.from({ length: ch }, () => new Float64Array(Math.max(total, 2 * keep)));
    }
    for (let c = 0; c < ch; c++) {
      const plane = this.planes[c]!;
      for (let i = 0; i < keep; i++) plane[i] = this.tail[i * ch + c]!;
      for (let i = 0; i < frames; i++) plane[keep + i] = samples[i * ch + c]!;
    }
    const firstAbs = this.received - keep; // absolute input index of plane[0]
    this.received += frames;
    // outputs n with floor(n*M/L) < received
    const count = this.base < this.received ? Math.ceil(((this.received - this.base) * up - this.phase) / down) : 0;
    const out = new Float32Array(Math.max(0, count) * ch);
    const lead = this.shift + taps / 2 - 1 + firstAbs;
    let base = this.base;
    let phase = this.phase;
    for (let n = 0; n < count; n++) {
      const start = base - lead;
      const row = phase * taps;
      if (ch === 2) dotStereo(this.planes[0]!, this.planes[1]!, start, coeffs, row, taps, out, n * 2);
      else for (let c = 0; c < ch; c++) out[n * ch + c] = dot(this.planes[c]!, start, coeffs, row, taps);
      phase += down;
      while (phase >= up) {
        phase -= up;
        base++;
      }
    }
    this.base = base;
    this.phase = phase;
    for (let c = 0; c < ch; c++) {
      const plane = this.planes[c]!;
      for (let i = 0; i < keep; i++) this.tail[i * ch + c] = plane[total - keep + i]!;
    }
    return out;
  }

  /** Resample a block (its rate and channel count must match this resampler's input). */
  processBlock(block: PcmBlock): PcmBlock {
    if (block.sampleRate !== this.inRate || block.channels !== this.channels) {
      throw new AudioError(
        AUDIO_ERR.FORMAT,
        `resampler expects ${this.inRate} Hz/${this.channels} ch, got ${block.sampleRate} Hz/${block.channels} ch`,
      );
    }
    return { sampleRate: this.outRate, channels: this.channels, samples: this.process(block.samples) };
  }

  /** At least `delayFrames` more output frames: feeds silence through the filter's latency. */
  flush(): Float32Array {
    if (!this.filter) return new Float32Array(0);
    const zeros = Math.ceil((this.delayFrames * this.inRate) / this.outRate) + 1;
    return this.process(new Float32Array(zeros * this.channels));
  }
}

/**
 * A whole block resampled in one go (for sound files): the filter latency is removed, so the output
 * has round(frames * outRate / inRate) frames aligned with the input.
 */
export function resampleBlock(block: PcmBlock, outRate: number): PcmBlock {
  if (block.sampleRate === outRate) return block;
  const r = new Resampler(block.sampleRate, outRate, block.channels);
  const body = r.process(block.samples);
  const tail = r.flush();
  const all = new Float32Array(body.length + tail.length);
  all.set(body);
  all.set(tail, body.length);
  const frames = Math.round((Math.floor(block.samples.length / block.channels) * outRate) / block.sampleRate);
  const skip = r.delayFrames;
  const samples = all.slice(skip * block.channels, (skip + frames) * block.channels);
  const out = new Float32Array(frames * block.channels);
  out.set(samples);
  return { sampleRate: outRate, channels: block.channels, samples: out };
}
