/**
 * Huffman decoding for the AAC decoder: the encoder's codebooks (huffman-tables.ts) turned into
 * two-level lookup tables. The first level is indexed by the next ROOT_BITS bits; a longer code
 * points to a second-level table indexed by the bits after those.
 */
import type { BitReader } from "../../codecs/bits.ts";
import { ParseError } from "../../errors.ts";
import { SCALEFACTOR_BITS, SCALEFACTOR_CODES, SPECTRAL_BOOKS } from "./huffman-tables.ts";
import { AUDIO_ERR } from "../errors.ts";

const ROOT_BITS = 9;
/** Entry of a bit pattern no codeword starts with. */
const INVALID = -1;

/**
 * Entries: leaf = symbol << 5 | length (>= 0); link = -(2 + (offset << 5 | subBits)).
 */
export class HuffmanTable {
  private readonly entries: Int32Array;

  constructor(codes: readonly number[], bits: readonly number[]) {
    const rootSize = 1 << ROOT_BITS;
    const subBits = new Map<number, number>();
    for (let s = 0; s < codes.length; s++) {
      const len = bits[s]!;
      if (len <= ROOT_BITS) continue;
      const prefix = codes[s]! >>> (len - ROOT_BITS);
      subBits.set(prefix, Math.max(subBits.get(prefix) ?? 0, len - ROOT_BITS));
    }
    let size = rootSize;
    const offsets = new Map<number, number>();
    for (const [prefix, n] of subBits) {
      offsets.set(prefix, size);
      size += 1 << n;
    }
    const entries = new Int32Array(size).fill(INVALID);
    for (const [prefix, n] of subBits) entries[prefix] = -(2 + ((offsets.get(prefix)! << 5) | n));
    for (let s = 0; s < codes.length; s++) {
      const len = bits[s]!;
      const code = codes[s]!;
      if (len <= ROOT_BITS) {
        const first = code << (ROOT_BITS - len);
        entries.fill((s << 5) | len, first, first + (1 << (ROOT_BITS - len)));
        continue;
      }
      const prefix = code >>> (len - ROOT_BITS);
      const n = subBits.get(prefix)!;
      const rest = len - ROOT_BITS;
      const first = offsets.get(prefix)! + ((code & ((1 << rest) - 1)) << (n - rest));
      entries.fill((s << 5) | rest, first, first + (1 << (n - rest)));
    }
    this.entries = entries;
  }

  /** Reads one codeword and returns its symbol (index in the book). */
  decode(r: BitReader): number {
    let e = this.entries[r.peek(ROOT_BITS)]!;
    if (e < INVALID) {
      r.skip(ROOT_BITS);
      const link = -e - 2;
      e = this.entries[(link >> 5) + r.peek(link & 31)]!;
    }
    if (e === INVALID) throw new ParseError(AUDIO_ERR.AAC_HUFFMAN, "no Huffman codeword matches the bits", r.bitOffset >> 3);
    r.skip(e & 31);
    return e >> 5;
  }
}

export const SCALEFACTOR_TABLE = new HuffmanTable(SCALEFACTOR_CODES, SCALEFACTOR_BITS);

/** `SPECTRAL_TABLES[n]` decodes spectral book n (1..11). */
export const SPECTRAL_TABLES: readonly (HuffmanTable | undefined)[] = SPECTRAL_BOOKS.map((b) => (b ? new HuffmanTable(b.codes, b.bits) : undefined));

/**
 * `SPECTRAL_VALUES[n]` holds, for symbol s of book n, its dim (4 or 2) values at s * dim: signed
 * values for the signed books, magnitudes (sign bits follow the codeword) for the unsigned ones.
 * Unpacking by table saves a division and a remainder per value.
 */
export const SPECTRAL_VALUES: readonly (Int8Array | undefined)[] = SPECTRAL_BOOKS.map((b) => {
  if (!b) return undefined;
  const base = b.signed ? b.lav : 0;
  const radix = b.signed ? 2 * b.lav + 1 : b.lav + 1;
  const values = new Int8Array(b.codes.length * b.dim);
  for (let sym = 0; sym < b.codes.length; sym++) {
    for (let j = 0, v = sym; j < b.dim; j++, v = Math.floor(v / radix)) values[sym * b.dim + b.dim - 1 - j] = (v % radix) - base;
  }
  return values;
});

/** `SPECTRAL_NONZERO[n][s]`: how many values of symbol s of book n are not zero (one sign bit each in the unsigned books). */
export const SPECTRAL_NONZERO: readonly (Uint8Array | undefined)[] = SPECTRAL_BOOKS.map((b, n) => {
  if (!b) return undefined;
  const values = SPECTRAL_VALUES[n]!;
  const counts = new Uint8Array(b.codes.length);
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) counts[Math.floor(i / b.dim)]!++;
  return counts;
});
