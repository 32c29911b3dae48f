/**
 * Rate control: one global scalefactor offset g per frame (shared by both channels of a CPE) is
 * searched so that the frame fits its bit budget; each band's scalefactor is the psychoacoustic shape
 * plus g, kept above the threshold-in-quiet floor and the 8191 limit, and chained so that consecutive
 * scalefactors differ by at most 60. The bit reservoir lends unused bits to later frames
 * (transients first) and pads with fill elements when it is full, so the rate holds.
 */
import { elementBits, fillElementBits, type CodedChannel } from "./bitstream.ts";
import { bestBook, countBandBits, ZERO_BOOK } from "./huffman.ts";
import type { IcsLayout } from "./layout.ts";
import type { BandAnalysis } from "./psy.ts";
import { minScalefactor, pow34, quantizeBand } from "./quantize.ts";
import { mergeSections } from "./sections.ts";

/** One channel's frame being coded. */
export interface ChannelJob {
  readonly layout: IcsLayout;
  /** Spectrum in bitstream order. */
  readonly spec: Float64Array;
  readonly analysis: BandAnalysis;
  /** Extra per-band shape offset (M/S bands get finer steps); may be undefined. */
  readonly shapeOffset?: Float64Array;
}

interface Prepared {
  readonly job: ChannelJob;
  readonly x34: Float64Array;
  readonly sfMin: Int32Array;
  readonly coded: CodedChannel;
}

/** Reusable per-channel buffers (a frame's coded data lives here until the next frame). */
export class ChannelWorkspace {
  readonly x34 = new Float64Array(1024);
  readonly q = new Int32Array(1024);
  private readonly sfMin = new Int32Array(128);
  private readonly sf = new Int32Array(128);
  private readonly books = new Uint8Array(128);
  private readonly bandBits = new Int32Array(128);

  prepare(job: ChannelJob): Prepared {
    const { x34 } = this;
    pow34(job.spec, x34, 1024);
    const n = job.layout.bandStart.length;
    const sfMin = this.sfMin.subarray(0, n);
    for (let b = 0; b < n; b++) {
      let m = 0;
      for (let i = job.layout.bandStart[b]!; i < job.layout.bandEnd[b]!; i++) if (x34[i]! > m) m = x34[i]!;
      sfMin[b] = minScalefactor(m);
    }
    this.q.fill(0);
    const coded: CodedChannel = {
      layout: job.layout,
      sf: this.sf.subarray(0, n),
      books: this.books.subarray(0, n),
      bandBits: this.bandBits.subarray(0, n),
      q: this.q,
    };
    return { job, x34, sfMin, coded };
  }
}

/** Codes one channel at offset g (fills p.coded). */
function codeAt(p: Prepared, g: number): void {
  const { layout, spec, analysis, shapeOffset } = p.job;
  const { sf, books, bandBits, q } = p.coded;
  const n = sf.length;
  // 1. Raw scalefactors.
  for (let b = 0; b < n; b++) {
    if (analysis.inaudible[b]) {
      sf[b] = -1;
      continue;
    }
    const want = Math.max(analysis.shape[b]! + g + (shapeOffset ? shapeOffset[b]! : 0), analysis.athFloor[b]!);
    sf[b] = Math.min(255, Math.max(p.sfMin[b]!, Math.round(want)));
  }
  // 2. Chain the audible bands: only raising (coarser), so the 8191 limit still holds.
  let next = -1;
  for (let b = n - 1; b >= 0; b--) {
    if (sf[b]! < 0) continue;
    if (next >= 0 && sf[b]! < next - 60) sf[b] = next - 60;
    next = sf[b]!;
  }
  let prev = -1;
  for (let b = 0; b < n; b++) {
    if (sf[b]! < 0) continue;
    if (prev >= 0 && sf[b]! < prev - 60) sf[b] = prev - 60;
    prev = sf[b]!;
  }
  // 3. Quantize and pick books.
  for (let b = 0; b < n; b++) {
    const start = layout.bandStart[b]!;
    const end = layout.bandEnd[b]!;
    if (sf[b]! < 0) {
      q.fill(0, start, end);
      books[b] = ZERO_BOOK;
      bandBits[b] = 0;
      sf[b] = 0;
      continue;
    }
    const max = quantizeBand(spec, p.x34, start, end, sf[b]!, q);
    const best = bestBook(max, q, start, end);
    books[b] = best.book;
    bandBits[b] = best.bits;
  }
  // 4. A band that quantized to zeros between two coded bands more than 60 apart stays coded
  //    (book 1, all zeros) so the scalefactor chain holds.
  let last = -1;
  for (let b = 0; b < n; b++) {
    if (books[b] === ZERO_BOOK) continue;
    if (last >= 0 && Math.abs(sf[b]! - sf[last]!) > 60) {
      for (let k = last + 1; k < b; k++) {
        if (analysis.inaudible[k]) continue;
        books[k] = 1;
        bandBits[k] = countBandBits(1, q, layout.bandStart[k]!, layout.bandEnd[k]!);
      }
    }
    last = b;
  }
}

export interface RateResult {
  readonly channels: CodedChannel[];
  readonly bits: number;
  readonly gain: number;
}

/**
 * Finds the smallest offset g whose element fits `budget` bits, starting near `startGain`.
 */
export function fitFrame(jobs: readonly ChannelJob[], workspaces: readonly ChannelWorkspace[], ms: Uint8Array | undefined, budget: number, startGain: number): RateResult {
  const prepared = jobs.map((job, i) => workspaces[i]!.prepare(job));
  const memo = new Map<number, number>();
  let current = Number.NaN;
  const bitsAt = (g: number): number => {
    const known = memo.get(g);
    if (known !== undefined) return known;
    for (const p of prepared) codeAt(p, g);
    current = g;
    const bits = elementBits(prepared.map((p) => p.coded), ms);
    memo.set(g, bits);
    return bits;
  };
  const LOWEST = -255;
  const HIGHEST = 255;
  // Bracket [lo, hi]: lo does not fit (or is the lowest), hi fits (or is the highest). Frame to
  // frame the offset moves little, so walk out from the last one with doubling steps.
  const g0 = Math.max(LOWEST, Math.min(HIGHEST, Math.round(startGain)));
  let lo: number;
  let hi: number;
  let step = 1;
  if (bitsAt(g0) <= budget) {
    hi = g0;
    lo = Math.max(LOWEST, g0 - step);
    while (lo > LOWEST && bitsAt(lo) <= budget) {
      hi = lo;
      step *= 2;
      lo = Math.max(LOWEST, lo - step);
    }
    if (lo === LOWEST && bitsAt(lo) <= budget) hi = lo;
  } else {
    lo = g0;
    hi = Math.min(HIGHEST, g0 + step);
    while (hi < HIGHEST && bitsAt(hi) > budget) {
      lo = hi;
      step *= 2;
      hi = Math.min(HIGHEST, hi + step);
    }
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bitsAt(mid) <= budget) hi = mid;
    else lo = mid;
  }
  if (current !== hi) {
    memo.delete(hi);
    bitsAt(hi);
  }
  // Merging sections only saves bits, so the frame still fits; the reservoir keeps the savings.
  for (const p of prepared) mergeSections(p.job.layout, p.coded.books, p.coded.bandBits, p.coded.q);
  const bits = elementBits(prepared.map((p) => p.coded), ms);
  return { channels: prepared.map((p) => p.coded), bits, gain: hi };
}

/** Average-rate bookkeeping of section 4.5.3 (the decoder's 6144 bits per channel input buffer). */
export class BitReservoir {
  readonly targetBits: number;
  readonly maxFrameBits: number;
  readonly size: number;
  private fraction = 0;
  level = 0;

  constructor(bitrate: number, sampleRate: number, channels: number) {
    this.targetBits = (bitrate * 1024) / sampleRate;
    this.maxFrameBits = 6144 * channels;
    this.size = Math.max(0, Math.min(this.maxFrameBits - this.targetBits, 4 * this.targetBits));
  }

  /** Bits this frame may use; short-window frames borrow more of the reservoir. */
  budget(short: boolean): number {
    const borrow = this.level * (short ? 0.6 : 0.2);
    return Math.floor(Math.min(this.maxFrameBits - 64, this.targetBits + borrow));
  }

  /** Fill bytes needed so the reservoir does not overflow after a frame of `bits`. */
  fillBytesFor(bits: number): number {
    const excess = this.level + this.targetBits + this.fraction - bits - this.size;
    if (excess < 16) return 0;
    let bytes = Math.max(1, Math.floor((excess - 16) / 8));
    // A frame never grows past the decoder's buffer (6144 bits per channel).
    while (bytes > 0 && bits + fillElementBits(bytes) > Math.min(this.maxFrameBits, bits + excess)) bytes--;
    return bytes;
  }

  commit(bits: number): void {
    const exact = this.level + this.fraction + this.targetBits - bits;
    this.level = Math.floor(exact);
    this.fraction = exact - this.level;
    if (this.level < 0) this.level = 0;
    if (this.level > this.size) this.level = Math.floor(this.size);
  }
}
