/**
 * raw_data_block syntax of ISO/IEC 14496-3 section 4.4.2: single_channel_element (SCE),
 * channel_pair_element (CPE) with common_window and M/S, ics_info, section_data,
 * scale_factor_data, spectral_data, fill_element and END. Every `...Bits` function returns exactly
 * what the matching writer writes, so the rate loop can count without writing.
 */
import { BitWriter } from "../../codecs/bits.ts";
import { SCALEFACTOR_BITS, SCALEFACTOR_CODES } from "./huffman-tables.ts";
import { writeBand, ZERO_BOOK } from "./huffman.ts";
import { isShort, type IcsLayout } from "./layout.ts";

export const ID_SCE = 0;
export const ID_CPE = 1;
export const ID_FIL = 6;
export const ID_END = 7;

/** One channel's coded data for a frame. */
export interface CodedChannel {
  readonly layout: IcsLayout;
  /** Scalefactor per band (meaningful where book != 0). */
  readonly sf: Int32Array;
  /** Spectral codebook per band. */
  readonly books: Uint8Array;
  /** Spectral bits per band in its book. */
  readonly bandBits: Int32Array;
  /** Quantized coefficients in bitstream order. */
  readonly q: Int32Array;
}

export function icsInfoBits(layout: IcsLayout): number {
  return isShort(layout.windowSequence) ? 1 + 2 + 1 + 4 + 7 : 1 + 2 + 1 + 6 + 1;
}

export function writeIcsInfo(w: BitWriter, layout: IcsLayout): void {
  w.write(1, 0); // ics_reserved_bit
  w.write(2, layout.windowSequence);
  w.write(1, 0); // window_shape: sine
  if (isShort(layout.windowSequence)) {
    w.write(4, layout.maxSfb);
    let grouping = 0;
    let win = 0;
    for (const len of layout.groupLengths) {
      for (let i = 0; i < len; i++, win++) {
        if (win === 0) continue;
        grouping = (grouping << 1) | (i === 0 ? 0 : 1);
      }
    }
    w.write(7, grouping);
  } else {
    w.write(6, layout.maxSfb);
    w.write(1, 0); // predictor_data_present
  }
}

/** Sections are runs of bands with one book inside a group. */
export function sectionDataBits(layout: IcsLayout, books: Uint8Array): number {
  const lenBits = isShort(layout.windowSequence) ? 3 : 5;
  const esc = (1 << lenBits) - 1;
  let bits = 0;
  const per = layout.maxSfb;
  for (let g = 0; g < layout.groupLengths.length; g++) {
    let s = 0;
    while (s < per) {
      const book = books[g * per + s]!;
      let e = s + 1;
      while (e < per && books[g * per + e] === book) e++;
      bits += 4 + lenBits * (Math.floor((e - s) / esc) + 1);
      s = e;
    }
  }
  return bits;
}

export function writeSectionData(w: BitWriter, layout: IcsLayout, books: Uint8Array): void {
  const lenBits = isShort(layout.windowSequence) ? 3 : 5;
  const esc = (1 << lenBits) - 1;
  const per = layout.maxSfb;
  for (let g = 0; g < layout.groupLengths.length; g++) {
    let s = 0;
    while (s < per) {
      const book = books[g * per + s]!;
      let e = s + 1;
      while (e < per && books[g * per + e] === book) e++;
      w.write(4, book);
      let len = e - s;
      while (len >= esc) {
        w.write(lenBits, esc);
        len -= esc;
      }
      w.write(lenBits, len);
      s = e;
    }
  }
}

/** global_gain: the scalefactor of the first coded band (100 when nothing is coded). */
export function globalGain(ch: CodedChannel): number {
  for (let b = 0; b < ch.books.length; b++) if (ch.books[b] !== ZERO_BOOK) return ch.sf[b]!;
  return 100;
}

export function scalefactorBits(ch: CodedChannel): number {
  let last = globalGain(ch);
  let bits = 0;
  for (let b = 0; b < ch.books.length; b++) {
    if (ch.books[b] === ZERO_BOOK) continue;
    const d = ch.sf[b]! - last;
    if (d < -60 || d > 60) throw new RangeError(`scalefactor difference ${d} out of range at band ${b}`);
    bits += SCALEFACTOR_BITS[d + 60]!;
    last = ch.sf[b]!;
  }
  return bits;
}

function writeScalefactors(w: BitWriter, ch: CodedChannel): void {
  let last = globalGain(ch);
  for (let b = 0; b < ch.books.length; b++) {
    if (ch.books[b] === ZERO_BOOK) continue;
    const d = ch.sf[b]! - last;
    w.write(SCALEFACTOR_BITS[d + 60]!, SCALEFACTOR_CODES[d + 60]!);
    last = ch.sf[b]!;
  }
}

/** Bits of an individual_channel_stream. */
export function icsBits(ch: CodedChannel, commonWindow: boolean): number {
  let bits = 8 + (commonWindow ? 0 : icsInfoBits(ch.layout)) + sectionDataBits(ch.layout, ch.books) + scalefactorBits(ch) + 3;
  for (let b = 0; b < ch.bandBits.length; b++) bits += ch.bandBits[b]!;
  return bits;
}

export function writeIcs(w: BitWriter, ch: CodedChannel, commonWindow: boolean): void {
  w.write(8, globalGain(ch));
  if (!commonWindow) writeIcsInfo(w, ch.layout);
  writeSectionData(w, ch.layout, ch.books);
  writeScalefactors(w, ch);
  w.write(1, 0); // pulse_data_present
  w.write(1, 0); // tns_data_present
  w.write(1, 0); // gain_control_data_present
  const { bandStart, bandEnd } = ch.layout;
  for (let b = 0; b < ch.books.length; b++) writeBand(w, ch.books[b]!, ch.q, bandStart[b]!, bandEnd[b]!);
}

/** ms_mask_present and the per-band flags: 0 bits of flags when no band uses M/S. */
export function msMaskBits(ms: Uint8Array): number {
  return 2 + (ms.some((v) => v !== 0) ? ms.length : 0);
}

/** Bits of a whole element (SCE for one channel, CPE with common_window for two). */
export function elementBits(channels: readonly CodedChannel[], ms: Uint8Array | undefined): number {
  if (channels.length === 1) return 3 + 4 + icsBits(channels[0]!, false);
  return 3 + 4 + 1 + icsInfoBits(channels[0]!.layout) + msMaskBits(ms!) + icsBits(channels[0]!, true) + icsBits(channels[1]!, true);
}

/** The largest payload one fill_element carries (count 15 + esc_count 255 - 1). */
export const MAX_FILL_BYTES = 269;

/** Bits the fill elements carrying `bytes` payload bytes take (split as encodeRawDataBlock does). */
export function fillElementBits(bytes: number): number {
  let bits = 0;
  for (let left = bytes; left > 0; left -= MAX_FILL_BYTES) {
    const n = Math.min(left, MAX_FILL_BYTES);
    bits += 3 + 4 + (n >= 15 ? 8 : 0) + 8 * n;
  }
  return bits;
}

function writeFill(w: BitWriter, bytes: number): void {
  w.write(3, ID_FIL);
  if (bytes >= 15) {
    w.write(4, 15);
    w.write(8, bytes - 14);
  } else {
    w.write(4, bytes);
  }
  // extension_payload: EXT_FILL (0000), fill_nibble 0000, then fill_byte 10100101.
  for (let i = 0; i < bytes; i++) w.write(8, i === 0 ? 0x00 : 0xa5);
}

/**
 * One raw_data_block: the element, `fillBytes` of fill elements, END, byte alignment.
 */
export function encodeRawDataBlock(channels: readonly CodedChannel[], ms: Uint8Array | undefined, fillBytes = 0): Uint8Array {
  const w = new BitWriter(1024);
  if (channels.length === 1) {
    w.write(3, ID_SCE);
    w.write(4, 0);
    writeIcs(w, channels[0]!, false);
  } else {
    const [l, r] = channels as [CodedChannel, CodedChannel];
    w.write(3, ID_CPE);
    w.write(4, 0);
    w.write(1, 1); // common_window
    writeIcsInfo(w, l.layout);
    const anyMs = ms!.some((v) => v !== 0);
    w.write(2, anyMs ? 1 : 0);
    if (anyMs) for (let b = 0; b < ms!.length; b++) w.write(1, ms![b]!);
    writeIcs(w, l, true);
    writeIcs(w, r, true);
  }
  let left = fillBytes;
  while (left > 0) {
    const n = Math.min(left, MAX_FILL_BYTES);
    writeFill(w, n);
    left -= n;
  }
  w.write(3, ID_END);
  w.alignZero();
  return w.finish();
}
