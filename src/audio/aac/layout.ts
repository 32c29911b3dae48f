/**
 * Where each coded band of one individual_channel_stream lives. Short windows are grouped, and the
 * spectrum is kept in bitstream order (ISO/IEC 14496-3 section 4.6.3.2, spectral_data): for each
 * group, for each scalefactor band, the band's coefficients of each window of the group in turn. So
 * band b = g * maxSfb + sfb is the contiguous range [start[b], end[b]) for long and short windows.
 */
import type { BandTables } from "./bands.ts";
import { WindowSequence } from "./windows.ts";

export interface IcsLayout {
  readonly windowSequence: WindowSequence;
  /** Windows per group: [1] for long windows, summing to 8 for EIGHT_SHORT_SEQUENCE. */
  readonly groupLengths: readonly number[];
  readonly maxSfb: number;
  /** Scalefactor band offsets of one window (long or short table). */
  readonly swbOffsets: readonly number[];
  readonly bandStart: Int32Array;
  readonly bandEnd: Int32Array;
  /** Band width inside one window (for psy and ATH). */
  readonly bandSfb: Int32Array;
}

export function isShort(seq: WindowSequence): boolean {
  return seq === WindowSequence.EIGHT_SHORT;
}

/** The number of bands below `cutoffHz` for this window size. */
export function maxSfbFor(offsets: readonly number[], windowLength: number, sampleRate: number, cutoffHz: number): number {
  const bins = Math.ceil((cutoffHz / (sampleRate / 2)) * windowLength);
  let n = 0;
  while (n < offsets.length - 1 && offsets[n]! < bins) n++;
  return n;
}

export function buildLayout(tables: BandTables, windowSequence: WindowSequence, groupLengths: readonly number[], maxSfb: number): IcsLayout {
  const short = isShort(windowSequence);
  const swbOffsets = short ? tables.short : tables.long;
  const groups = short ? groupLengths : [1];
  const count = groups.length * maxSfb;
  const bandStart = new Int32Array(count);
  const bandEnd = new Int32Array(count);
  const bandSfb = new Int32Array(count);
  let pos = 0;
  for (let g = 0; g < groups.length; g++) {
    for (let s = 0; s < maxSfb; s++) {
      const b = g * maxSfb + s;
      bandStart[b] = pos;
      pos += (swbOffsets[s + 1]! - swbOffsets[s]!) * groups[g]!;
      bandEnd[b] = pos;
      bandSfb[b] = s;
    }
  }
  return { windowSequence, groupLengths: groups, maxSfb, swbOffsets, bandStart, bandEnd, bandSfb };
}

/**
 * Reorders 8 short spectra (spec[w * 128 + k]) into bitstream order for the layout; coefficients of
 * bands at or above maxSfb are dropped (the rest of `out` is zeroed).
 */
export function interleaveShort(layout: IcsLayout, spec: ArrayLike<number>, out: Float64Array): void {
  out.fill(0);
  const off = layout.swbOffsets;
  let pos = 0;
  let win = 0;
  for (const len of layout.groupLengths) {
    for (let s = 0; s < layout.maxSfb; s++) {
      for (let w = win; w < win + len; w++) {
        for (let k = off[s]!; k < off[s + 1]!; k++) out[pos++] = spec[w * 128 + k]!;
      }
    }
    win += len;
  }
}

/** The inverse of interleaveShort: bitstream order back to 8 windows of 128 (spec[w * 128 + k]). */
export function deinterleaveShort(layout: IcsLayout, input: Float64Array, out: Float64Array): void {
  out.fill(0);
  const off = layout.swbOffsets;
  let pos = 0;
  let win = 0;
  for (const len of layout.groupLengths) {
    for (let s = 0; s < layout.maxSfb; s++) {
      for (let w = win; w < win + len; w++) {
        for (let k = off[s]!; k < off[s + 1]!; k++) out[w * 128 + k] = input[pos++]!;
      }
    }
    win += len;
  }
}
