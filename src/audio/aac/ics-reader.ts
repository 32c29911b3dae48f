/**
 * individual_channel_stream() of ISO/IEC 14496-3 section 4.4.2.7 for AAC-LC: ics_info, section
 * data, scalefactors (with intensity positions and PNS energies), pulse data, TNS data and the
 * Huffman-coded spectrum, dequantized. The spectrum is kept in bitstream order (see layout.ts):
 * band b = g * maxSfb + sfb is the contiguous range [bandStart[b], bandEnd[b]).
 */
import type { BitReader } from "../../codecs/bits.ts";
import { ParseError } from "../../errors.ts";
import type { BandTables } from "./bands.ts";
import { SCALEFACTOR_TABLE, SPECTRAL_NONZERO, SPECTRAL_TABLES, SPECTRAL_VALUES, type HuffmanTable } from "./huffman-decode.ts";
import { ESC_BOOK, ZERO_BOOK } from "./huffman.ts";
import { SPECTRAL_BOOKS } from "./huffman-tables.ts";
import { buildLayout, type IcsLayout } from "./layout.ts";
import { MAX_QUANT, SF_OFFSET } from "./quantize.ts";
import { readTns, type TnsData } from "./tns.ts";
import { WindowSequence } from "./windows.ts";
import { AUDIO_ERR } from "../errors.ts";

export const NOISE_BOOK = 13;
export const INTENSITY_OUT_OF_PHASE_BOOK = 14;
export const INTENSITY_BOOK = 15;
const RESERVED_BOOK = 12;
const SCALEFACTOR_DIFF_ZERO = 60;
const NOISE_OFFSET = 90;
const NOISE_PCM_BITS = 9;
const NOISE_PCM_OFFSET = 256;
/** Intensity positions and noise energies are clipped to this range (as FFmpeg's decoder does). */
const MIN_OFFSET = -155;
const MAX_OFFSET = 100;

function clipOffset(v: number): number {
  return v < MIN_OFFSET ? MIN_OFFSET : v > MAX_OFFSET ? MAX_OFFSET : v;
}

/** Largest pulse amplitude: a pulse may lift an escape value of 8191 by this much. */
const MAX_PULSE = 15;
const MAX_Q = MAX_QUANT + MAX_PULSE;
/**
 * sign(q) |q|^(4/3) at q + MAX_Q, for every q a spectrum can hold (8191 plus a pulse): one lookup
 * without a branch on the sign, which would be mispredicted on every other coefficient.
 */
const SIGNED_POW43 = Float64Array.from({ length: 2 * MAX_Q + 1 }, (_, i) => Math.sign(i - MAX_Q) * Math.abs(i - MAX_Q) ** (4 / 3));
/** 2^((sf - 100) / 4) for sf 0..255. */
const SF_GAIN = Float64Array.from({ length: 256 }, (_, sf) => 2 ** ((sf - SF_OFFSET) / 4));

export interface IcsInfo {
  readonly windowSequence: WindowSequence;
  /** 0 sine, 1 Kaiser-Bessel derived. */
  readonly windowShape: number;
  readonly layout: IcsLayout;
}

/** What one decoder keeps across channels and frames: the band tables, layouts, PNS's random state. */
export class IcsContext {
  readonly tables: BandTables;
  private readonly layouts = new Map<number, IcsLayout>();
  /** The linear congruential generator of PNS (as FFmpeg's decoder, so noise bands match it). */
  private randomState = 0x1f2e3d4c;

  constructor(tables: BandTables) {
    this.tables = tables;
  }

  layout(seq: WindowSequence, grouping: number, maxSfb: number): IcsLayout {
    const key = (seq << 16) | (grouping << 8) | maxSfb;
    let layout = this.layouts.get(key);
    if (!layout) {
      const groups: number[] = [];
      if (seq === WindowSequence.EIGHT_SHORT) {
        groups.push(1);
        for (let w = 1; w < 8; w++) {
          if (grouping & (1 << (7 - w))) groups[groups.length - 1]!++;
          else groups.push(1);
        }
      }
      layout = buildLayout(this.tables, seq, groups, maxSfb);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  random(): number {
    this.randomState = (Math.imul(this.randomState, 1664525) + 1013904223) | 0;
    return this.randomState;
  }
}

/** ics_info(); AAC-LC has no predictor, so predictor_data_present must be 0. */
export function readIcsInfo(r: BitReader, ctx: IcsContext): IcsInfo {
  r.skip(1); // ics_reserved_bit
  const windowSequence = r.read(2) as WindowSequence;
  const windowShape = r.read(1);
  const short = windowSequence === WindowSequence.EIGHT_SHORT;
  const maxSfb = r.read(short ? 4 : 6);
  const grouping = short ? r.read(7) : 0;
  const numSwb = (short ? ctx.tables.short : ctx.tables.long).length - 1;
  if (maxSfb > numSwb) throw new ParseError(AUDIO_ERR.AAC_MAX_SFB, `max_sfb ${maxSfb} above the ${numSwb} bands of this rate`, r.bitOffset >> 3);
  if (!short && r.readFlag()) throw new ParseError(AUDIO_ERR.AAC_PREDICTION, "predictor data is not part of AAC-LC", r.bitOffset >> 3);
  return { windowSequence, windowShape, layout: ctx.layout(windowSequence, grouping, maxSfb) };
}

/** One decoded channel; the buffers are reused frame after frame. */
export class ChannelStream {
  info: IcsInfo | undefined;
  /** Book per band (bitstream band index). */
  readonly bandType = new Uint8Array(8 * 16);
  /** Scalefactor, intensity position or noise energy per band. */
  readonly scalefactor = new Int32Array(8 * 16);
  readonly quantized = new Int32Array(1024);
  /** Dequantized spectrum in bitstream order. */
  readonly spectrum = new Float64Array(1024);
  tns: TnsData | undefined;
}

/** individual_channel_stream(); `common` is the CPE's shared ics_info when common_window is set. */
export function readIcs(r: BitReader, ctx: IcsContext, common: IcsInfo | undefined, out: ChannelStream): void {
  const globalGain = r.read(8);
  const info = common ?? readIcsInfo(r, ctx);
  out.info = info;
  const short = info.layout.windowSequence === WindowSequence.EIGHT_SHORT;
  readSections(r, info.layout, short, out.bandType);
  readScalefactors(r, info.layout, globalGain, out);
  const pulses = r.readFlag() ? readPulses(r, short, ctx) : undefined;
  out.tns = r.readFlag() ? readTns(r, short) : undefined;
  if (r.readFlag()) throw new ParseError(AUDIO_ERR.AAC_GAIN_CONTROL, "gain control data is not part of AAC-LC", r.bitOffset >> 3);
  readSpectrum(r, info.layout, out);
  if (pulses) applyPulses(out.quantized, pulses);
  dequantize(info.layout, out, ctx);
}

function readSections(r: BitReader, layout: IcsLayout, short: boolean, bandType: Uint8Array): void {
  const lenBits = short ? 3 : 5;
  const escape = (1 << lenBits) - 1;
  const maxSfb = layout.maxSfb;
  for (let g = 0; g < layout.groupLengths.length; g++) {
    let k = 0;
    while (k < maxSfb) {
      const book = r.read(4);
      if (book === RESERVED_BOOK) throw new ParseError(AUDIO_ERR.AAC_BOOK, "reserved codebook 12 in section data", r.bitOffset >> 3);
      let len = 0;
      let inc: number;
      while ((inc = r.read(lenBits)) === escape) len += escape;
      len += inc;
      if (k + len > maxSfb) throw new ParseError(AUDIO_ERR.AAC_SECTION, `section ends at band ${k + len}, past max_sfb ${maxSfb}`, r.bitOffset >> 3);
      bandType.fill(book, g * maxSfb + k, g * maxSfb + k + len);
      k += len;
    }
  }
}

function readScalefactors(r: BitReader, layout: IcsLayout, globalGain: number, out: ChannelStream): void {
  let sf = globalGain;
  let noise = globalGain - NOISE_OFFSET;
  let intensity = 0;
  let firstNoise = true;
  const n = layout.bandStart.length;
  for (let b = 0; b < n; b++) {
    const book = out.bandType[b]!;
    if (book === ZERO_BOOK) {
      out.scalefactor[b] = 0;
    } else if (book === INTENSITY_BOOK || book === INTENSITY_OUT_OF_PHASE_BOOK) {
      intensity += SCALEFACTOR_TABLE.decode(r) - SCALEFACTOR_DIFF_ZERO;
      out.scalefactor[b] = clipOffset(intensity);
    } else if (book === NOISE_BOOK) {
      noise += firstNoise ? r.read(NOISE_PCM_BITS) - NOISE_PCM_OFFSET : SCALEFACTOR_TABLE.decode(r) - SCALEFACTOR_DIFF_ZERO;
      firstNoise = false;
      out.scalefactor[b] = clipOffset(noise);
    } else {
      sf += SCALEFACTOR_TABLE.decode(r) - SCALEFACTOR_DIFF_ZERO;
      if (sf < 0 || sf > 255) throw new ParseError(AUDIO_ERR.AAC_SCALEFACTOR, `scalefactor ${sf} outside 0..255`, r.bitOffset >> 3);
      out.scalefactor[b] = sf;
    }
  }
}

interface Pulse {
  readonly position: number;
  readonly amplitude: number;
}

/** pulse_data(): long windows only; positions are in the (long) spectrum. */
function readPulses(r: BitReader, short: boolean, ctx: IcsContext): Pulse[] {
  if (short) throw new ParseError(AUDIO_ERR.AAC_PULSE, "pulse data in an EIGHT_SHORT_SEQUENCE", r.bitOffset >> 3);
  const count = r.read(2) + 1;
  const startSfb = r.read(6);
  if (startSfb >= ctx.tables.long.length - 1) throw new ParseError(AUDIO_ERR.AAC_PULSE, `pulse_start_sfb ${startSfb} past the bands`, r.bitOffset >> 3);
  let position = ctx.tables.long[startSfb]!;
  const pulses: Pulse[] = [];
  for (let i = 0; i < count; i++) {
    position += r.read(5);
    if (position >= 1024) throw new ParseError(AUDIO_ERR.AAC_PULSE, `pulse at line ${position} past the spectrum`, r.bitOffset >> 3);
    pulses.push({ position, amplitude: r.read(4) });
  }
  return pulses;
}

function applyPulses(q: Int32Array, pulses: readonly Pulse[]): void {
  for (const { position, amplitude } of pulses) q[position] = q[position]! > 0 ? q[position]! + amplitude : q[position]! - amplitude;
}

function readSpectrum(r: BitReader, layout: IcsLayout, out: ChannelStream): void {
  const q = out.quantized;
  const n = layout.bandStart.length;
  for (let b = 0; b < n; b++) {
    const book = out.bandType[b]!;
    if (book === ZERO_BOOK || book >= NOISE_BOOK) continue;
    const start = layout.bandStart[b]!;
    const end = layout.bandEnd[b]!;
    const table = SPECTRAL_TABLES[book]!;
    const values = SPECTRAL_VALUES[book]!;
    const desc = SPECTRAL_BOOKS[book]!;
    if (desc.signed) readSigned(r, table, values, desc.dim, q, start, end);
    else if (desc.dim === 4) readUnsignedQuads(r, table, values, SPECTRAL_NONZERO[book]!, q, start, end);
    else readUnsignedPairs(r, table, values, SPECTRAL_NONZERO[book]!, book === ESC_BOOK, q, start, end);
  }
}

function readSigned(r: BitReader, table: HuffmanTable, values: Int8Array, dim: number, q: Int32Array, start: number, end: number): void {
  for (let i = start; i < end; i += dim) {
    const at = table.decode(r) * dim;
    for (let j = 0; j < dim; j++) q[i + j] = values[at + j]!;
  }
}

/** The sign bits of a codeword's nonzero values follow it, first value first: read them in one go. */
function readUnsignedQuads(r: BitReader, table: HuffmanTable, values: Int8Array, nonzero: Uint8Array, q: Int32Array, start: number, end: number): void {
  for (let i = start; i < end; i += 4) {
    const sym = table.decode(r);
    let left = nonzero[sym]!;
    const signs = left === 0 ? 0 : r.read(left);
    for (let j = 0; j < 4; j++) {
      const v = values[sym * 4 + j]!;
      if (v !== 0) left--;
      q[i + j] = (signs >> left) & 1 ? -v : v;
    }
  }
}

function readUnsignedPairs(r: BitReader, table: HuffmanTable, values: Int8Array, nonzero: Uint8Array, escapes: boolean, q: Int32Array, start: number, end: number): void {
  for (let i = start; i < end; i += 2) {
    const sym = table.decode(r);
    const count = nonzero[sym]!;
    const signs = count === 0 ? 0 : r.read(count);
    let y = values[sym * 2]!;
    let z = values[sym * 2 + 1]!;
    const negY = y !== 0 && signs >> (count - 1) === 1;
    const negZ = z !== 0 && (signs & 1) === 1;
    if (escapes) {
      if (y === 16) y = readEscape(r);
      if (z === 16) z = readEscape(r);
    }
    q[i] = negY ? -y : y;
    q[i + 1] = negZ ? -z : z;
  }
}

/** An escape: N ones, a zero, then N + 4 bits; the value is 2^(N + 4) + those bits (at most 8191). */
function readEscape(r: BitReader): number {
  let n = 0;
  while (r.read(1) === 1) {
    if (++n > 8) throw new ParseError(AUDIO_ERR.AAC_ESCAPE, "escape sequence longer than 8191 allows", r.bitOffset >> 3);
  }
  return (1 << (n + 4)) + r.read(n + 4);
}

function dequantize(layout: IcsLayout, ch: ChannelStream, ctx: IcsContext): void {
  const spec = ch.spectrum;
  const q = ch.quantized;
  const n = layout.bandStart.length;
  spec.fill(0, n === 0 ? 0 : layout.bandEnd[n - 1]!);
  for (let b = 0; b < n; b++) {
    const book = ch.bandType[b]!;
    const start = layout.bandStart[b]!;
    const end = layout.bandEnd[b]!;
    if (book === NOISE_BOOK) {
      fillNoise(spec, start, end, end - start === 0 ? 0 : layout.swbOffsets[layout.bandSfb[b]! + 1]! - layout.swbOffsets[layout.bandSfb[b]!]!, ch.scalefactor[b]!, ctx);
      continue;
    }
    if (book === ZERO_BOOK || book > NOISE_BOOK) {
      spec.fill(0, start, end);
      continue;
    }
    const gain = SF_GAIN[ch.scalefactor[b]!]!;
    for (let i = start; i < end; i++) spec[i] = SIGNED_POW43[q[i]! + MAX_Q]! * gain;
  }
}

/** PNS: each window's part of the band gets random values scaled to energy 2^(energy / 2). */
function fillNoise(spec: Float64Array, start: number, end: number, width: number, energy: number, ctx: IcsContext): void {
  const amplitude = 2 ** (energy / 4);
  for (let w = start; w < end; w += width) {
    let sum = 0;
    for (let i = w; i < w + width; i++) {
      const v = ctx.random();
      spec[i] = v;
      sum += v * v;
    }
    const scale = amplitude / Math.sqrt(sum);
    for (let i = w; i < w + width; i++) spec[i]! *= scale;
  }
}
