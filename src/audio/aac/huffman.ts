/**
 * Spectral Huffman coding (ISO/IEC 14496-3 section 4.6.3): bit counts and codewords of one band's
 * quantized values in a given codebook, and the smallest books able to code a band.
 */
import type { BitWriter } from "../../codecs/bits.ts";
import { SPECTRAL_BOOKS, type SpectralBook } from "./huffman-tables.ts";

/** Book 0 (ZERO_HCB): every value is zero and nothing is sent. */
export const ZERO_BOOK = 0;
export const ESC_BOOK = 11;

/** The cheaper pair of books able to code a band whose largest |q| is `maxAbs` (book 11 alone above 12). */
export function candidateBooks(maxAbs: number): readonly number[] {
  if (maxAbs === 0) return [ZERO_BOOK];
  if (maxAbs === 1) return [1, 2];
  if (maxAbs === 2) return [3, 4];
  if (maxAbs <= 4) return [5, 6];
  if (maxAbs <= 7) return [7, 8];
  if (maxAbs <= 12) return [9, 10];
  return [ESC_BOOK];
}

function spectralBook(n: number): SpectralBook {
  const b = SPECTRAL_BOOKS[n];
  if (!b) throw new RangeError(`no spectral codebook ${n}`);
  return b;
}

/** Length of the escape sequence of |v| >= 16: N ones, a zero and N + 4 bits, N = floor(log2 v) - 4. */
function escapeBits(v: number): number {
  const n = 31 - Math.clz32(v) - 4;
  return 2 * n + 5;
}

function tupleIndex(b: SpectralBook, q: Int32Array, i: number): number {
  if (b.dim === 4) {
    if (b.signed) return 27 * (q[i]! + 1) + 9 * (q[i + 1]! + 1) + 3 * (q[i + 2]! + 1) + (q[i + 3]! + 1);
    return 27 * Math.abs(q[i]!) + 9 * Math.abs(q[i + 1]!) + 3 * Math.abs(q[i + 2]!) + Math.abs(q[i + 3]!);
  }
  if (b.signed) return 9 * (q[i]! + 4) + (q[i + 1]! + 4);
  const mod = b.lav + 1;
  if (b.index === ESC_BOOK) return 17 * Math.min(Math.abs(q[i]!), 16) + Math.min(Math.abs(q[i + 1]!), 16);
  return mod * Math.abs(q[i]!) + Math.abs(q[i + 1]!);
}

/** Bits needed to code q[start..end) with book `n` (0 for book 0). */
export function countBandBits(n: number, q: Int32Array, start: number, end: number): number {
  if (n === ZERO_BOOK) return 0;
  const b = spectralBook(n);
  let bits = 0;
  for (let i = start; i < end; i += b.dim) {
    bits += b.bits[tupleIndex(b, q, i)]!;
    if (!b.signed) {
      for (let j = 0; j < b.dim; j++) {
        const v = Math.abs(q[i + j]!);
        if (v !== 0) bits++;
        if (n === ESC_BOOK && v >= 16) bits += escapeBits(v);
      }
    }
  }
  return bits;
}

/** Writes q[start..end) with book `n`: codewords, sign bits, escapes (section 4.6.3.3). */
export function writeBand(w: BitWriter, n: number, q: Int32Array, start: number, end: number): void {
  if (n === ZERO_BOOK) return;
  const b = spectralBook(n);
  for (let i = start; i < end; i += b.dim) {
    const idx = tupleIndex(b, q, i);
    w.write(b.bits[idx]!, b.codes[idx]!);
    if (b.signed) continue;
    for (let j = 0; j < b.dim; j++) {
      const v = q[i + j]!;
      if (v !== 0) w.write(1, v < 0 ? 1 : 0);
    }
    if (n !== ESC_BOOK) continue;
    for (let j = 0; j < 2; j++) {
      const v = Math.abs(q[i + j]!);
      if (v < 16) continue;
      const nBits = 31 - Math.clz32(v) - 4;
      for (let k = 0; k < nBits; k++) w.write(1, 1);
      w.write(1, 0);
      w.write(nBits + 4, v - (1 << (nBits + 4)));
    }
  }
}

/**
 * Per book, bits of each codeword plus its sign bits (unsigned books), so counting is one lookup
 * per tuple; escape sequences of book 11 are added separately.
 */
const COST: readonly Uint8Array[] = SPECTRAL_BOOKS.map((b) => {
  if (!b) return new Uint8Array(0);
  return Uint8Array.from(b.bits, (bits, idx) => {
    if (b.signed) return bits;
    let nonZero = 0;
    let rest = idx;
    const mod = b.dim === 4 ? 3 : b.lav + 1;
    for (let j = 0; j < b.dim; j++) {
      if (rest % mod !== 0) nonZero++;
      rest = Math.floor(rest / mod);
    }
    return bits + nonZero;
  });
});

const result = { book: 0, bits: 0 };

/**
 * The cheapest book for a band whose largest |q| is `maxAbs`, and its cost. Both books of a pair
 * share the tuple index, so one pass counts both. The returned object is reused by the next call.
 */
export function bestBook(maxAbs: number, q: Int32Array, start: number, end: number): { readonly book: number; readonly bits: number } {
  if (maxAbs === 0) {
    result.book = ZERO_BOOK;
    result.bits = 0;
    return result;
  }
  let a = 0;
  let b = 0;
  let first: number;
  if (maxAbs <= 2) {
    first = maxAbs === 1 ? 1 : 3;
    const ca = COST[first]!;
    const cb = COST[first + 1]!;
    for (let i = start; i < end; i += 4) {
      const idx = maxAbs === 1
        ? 27 * q[i]! + 9 * q[i + 1]! + 3 * q[i + 2]! + q[i + 3]! + 40
        : 27 * Math.abs(q[i]!) + 9 * Math.abs(q[i + 1]!) + 3 * Math.abs(q[i + 2]!) + Math.abs(q[i + 3]!);
      a += ca[idx]!;
      b += cb[idx]!;
    }
  } else if (maxAbs <= 12) {
    first = maxAbs <= 4 ? 5 : maxAbs <= 7 ? 7 : 9;
    const ca = COST[first]!;
    const cb = COST[first + 1]!;
    const signed = first === 5;
    const mod = first === 7 ? 8 : 13;
    for (let i = start; i < end; i += 2) {
      const idx = signed ? 9 * q[i]! + q[i + 1]! + 40 : mod * Math.abs(q[i]!) + Math.abs(q[i + 1]!);
      a += ca[idx]!;
      b += cb[idx]!;
    }
  } else {
    const c = COST[ESC_BOOK]!;
    for (let i = start; i < end; i += 2) {
      const y = Math.abs(q[i]!);
      const z = Math.abs(q[i + 1]!);
      a += c[17 * (y < 16 ? y : 16) + (z < 16 ? z : 16)]!;
      if (y >= 16) a += escapeBits(y);
      if (z >= 16) a += escapeBits(z);
    }
    result.book = ESC_BOOK;
    result.bits = a;
    return result;
  }
  result.book = a <= b ? first : first + 1;
  result.bits = a <= b ? a : b;
  return result;
}
