/**
 * Temporal noise shaping, decoder side (ISO/IEC 14496-3 section 4.6.9): per window, up to 3 (long)
 * or 1 (short) all-pole filters run over ranges of the spectrum, upwards or downwards.
 */
import type { BitReader } from "../../codecs/bits.ts";
import { ParseError } from "../../errors.ts";
import { AUDIO_ERR } from "../errors.ts";

/** TNS_MAX_BANDS for AAC-LC by sampling frequency index (Table 4.156), long and short windows. */
const MAX_BANDS_LONG = [31, 31, 34, 40, 42, 51, 46, 46, 42, 42, 42, 39, 39];
const MAX_BANDS_SHORT = [9, 9, 10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14];
const MAX_ORDER_LONG = 12;
const MAX_ORDER_SHORT = 7;

export interface TnsFilter {
  /** Length in scalefactor bands, counted down from the top of the previous filter. */
  readonly length: number;
  readonly downward: boolean;
  /** LPC coefficients a[1..order] of y[n] = x[n] - sum a[i] y[n - i]. */
  readonly lpc: Float64Array;
}

/** Filters per window (1 or 8 windows). */
export type TnsData = readonly (readonly TnsFilter[])[];

/** tns_data(): parsed and turned into LPC coefficients. */
export function readTns(r: BitReader, short: boolean): TnsData {
  const windows = short ? 8 : 1;
  const maxOrder = short ? MAX_ORDER_SHORT : MAX_ORDER_LONG;
  const data: TnsFilter[][] = [];
  for (let w = 0; w < windows; w++) {
    const nFilt = r.read(short ? 1 : 2);
    const filters: TnsFilter[] = [];
    const coefRes = nFilt > 0 ? r.read(1) + 3 : 0;
    for (let f = 0; f < nFilt; f++) {
      const length = r.read(short ? 4 : 6);
      const order = r.read(short ? 3 : 5);
      if (order > maxOrder) throw new ParseError(AUDIO_ERR.AAC_TNS_ORDER, `TNS filter order ${order} above ${maxOrder}`, r.bitOffset >> 3);
      if (order === 0) {
        filters.push({ length, downward: false, lpc: new Float64Array(0) });
        continue;
      }
      const downward = r.readFlag();
      const coefBits = coefRes - r.read(1);
      const reflection = new Float64Array(order);
      const iqfac = ((1 << (coefRes - 1)) - 0.5) / (Math.PI / 2);
      const iqfacM = ((1 << (coefRes - 1)) + 0.5) / (Math.PI / 2);
      for (let i = 0; i < order; i++) {
        const raw = r.read(coefBits);
        const v = raw >= 1 << (coefBits - 1) ? raw - (1 << coefBits) : raw;
        reflection[i] = Math.sin(v / (v >= 0 ? iqfac : iqfacM));
      }
      filters.push({ length, downward, lpc: reflectionToLpc(reflection) });
    }
    data.push(filters);
  }
  return data;
}

/** The step-up recursion of the spec: a[m] = k[m-1], a[i] += k[m-1] a[m-i]. */
function reflectionToLpc(k: Float64Array): Float64Array {
  const order = k.length;
  const a = new Float64Array(order + 1);
  const b = new Float64Array(order + 1);
  a[0] = 1;
  for (let m = 1; m <= order; m++) {
    for (let i = 1; i < m; i++) b[i] = a[i]! + k[m - 1]! * a[m - i]!;
    for (let i = 1; i < m; i++) a[i] = b[i]!;
    a[m] = k[m - 1]!;
  }
  return a.subarray(1);
}

/**
 * Runs the filters over `spec` in window order (window w at w * 128 for short windows).
 * `swbOffsets` are one window's band offsets, `numSwb` the bands of that window size.
 */
export function applyTns(spec: Float64Array, tns: TnsData, short: boolean, swbOffsets: readonly number[], maxSfb: number, sampleRateIndex: number): void {
  const numSwb = swbOffsets.length - 1;
  const maxBands = Math.min((short ? MAX_BANDS_SHORT : MAX_BANDS_LONG)[sampleRateIndex]!, maxSfb);
  for (let w = 0; w < tns.length; w++) {
    let bottom = numSwb;
    for (const filter of tns[w]!) {
      const top = bottom;
      bottom = Math.max(top - filter.length, 0);
      const order = filter.lpc.length;
      if (order === 0) continue;
      const start = swbOffsets[Math.min(bottom, maxBands)]!;
      const end = swbOffsets[Math.min(top, maxBands)]!;
      if (end <= start) continue;
      filterRange(spec, w * 128, start, end, filter);
    }
  }
}

function filterRange(spec: Float64Array, base: number, start: number, end: number, filter: TnsFilter): void {
  const lpc = filter.lpc;
  const order = lpc.length;
  const size = end - start;
  const inc = filter.downward ? -1 : 1;
  let pos = base + (filter.downward ? end - 1 : start);
  for (let m = 0; m < size; m++, pos += inc) {
    let y = spec[pos]!;
    const n = m < order ? m : order;
    for (let i = 1; i <= n; i++) y -= lpc[i - 1]! * spec[pos - i * inc]!;
    spec[pos] = y;
  }
}
