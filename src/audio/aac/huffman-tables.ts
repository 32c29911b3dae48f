/**
 * Huffman codebooks of ISO/IEC 14496-3 section 4.A.1 (Tables 4.A.1 to 4.A.12), transcribed as
 * facts. `SCALEFACTOR_CODES/BITS` is indexed by (scalefactor difference + 60). Spectral book n
 * (1..11) is `SPECTRAL_BOOKS[n]`, indexed as in the standard:
 *   books 1, 2 (signed, 4-tuples, -1..1): 27(w+1) + 9(x+1) + 3(y+1) + (z+1)
 *   books 3, 4 (unsigned, 4-tuples, 0..2): 27w + 9x + 3y + z, then one sign bit per non-zero value
 *   books 5, 6 (signed, pairs, -4..4): 9(y+4) + (z+4)
 *   books 7, 8 (unsigned, pairs, 0..7): 8y + z, sign bits
 *   books 9, 10 (unsigned, pairs, 0..12): 13y + z, sign bits
 *   book 11 (unsigned, pairs, 0..16 where 16 is the escape): 17y + z, sign bits, escapes
 * The spectral books' numbers live in huffman-tables-quad.ts (1-4) and huffman-tables-pair.ts (5-11).
 * Every book is checked in spec/audio/aac/huffman-tables.test.ts (prefix property, Kraft sum of 1)
 * and round-tripped through ffmpeg's decoder.
 */

import { bits1, bits2, bits3, bits4, codes1, codes2, codes3, codes4 } from "./huffman-tables-quad.ts";
import { bits10, bits11, bits5, bits6, bits7, bits8, bits9, codes10, codes11, codes5, codes6, codes7, codes8, codes9 } from "./huffman-tables-pair.ts";

export const SCALEFACTOR_CODES: readonly number[] = [
  0x3ffe8, 0x3ffe6, 0x3ffe7, 0x3ffe5, 0x7fff5, 0x7fff1, 0x7ffed, 0x7fff6,
  0x7ffee, 0x7ffef, 0x7fff0, 0x7fffc, 0x7fffd, 0x7ffff, 0x7fffe, 0x7fff7,
  0x7fff8, 0x7fffb, 0x7fff9, 0x3ffe4, 0x7fffa, 0x3ffe3, 0x1ffef, 0x1fff0,
  0x0fff5, 0x1ffee, 0x0fff2, 0x0fff3, 0x0fff4, 0x0fff1, 0x07ff6, 0x07ff7,
  0x03ff9, 0x03ff5, 0x03ff7, 0x03ff3, 0x03ff6, 0x03ff2, 0x01ff7, 0x01ff5,
  0x00ff9, 0x00ff7, 0x00ff6, 0x007f9, 0x00ff4, 0x007f8, 0x003f9, 0x003f7,
  0x003f5, 0x001f8, 0x001f7, 0x000fa, 0x000f8, 0x000f6, 0x00079, 0x0003a,
  0x00038, 0x0001a, 0x0000b, 0x00004, 0x00000, 0x0000a, 0x0000c, 0x0001b,
  0x00039, 0x0003b, 0x00078, 0x0007a, 0x000f7, 0x000f9, 0x001f6, 0x001f9,
  0x003f4, 0x003f6, 0x003f8, 0x007f5, 0x007f4, 0x007f6, 0x007f7, 0x00ff5,
  0x00ff8, 0x01ff4, 0x01ff6, 0x01ff8, 0x03ff8, 0x03ff4, 0x0fff0, 0x07ff4,
  0x0fff6, 0x07ff5, 0x3ffe2, 0x7ffd9, 0x7ffda, 0x7ffdb, 0x7ffdc, 0x7ffdd,
  0x7ffde, 0x7ffd8, 0x7ffd2, 0x7ffd3, 0x7ffd4, 0x7ffd5, 0x7ffd6, 0x7fff2,
  0x7ffdf, 0x7ffe7, 0x7ffe8, 0x7ffe9, 0x7ffea, 0x7ffeb, 0x7ffe6, 0x7ffe0,
  0x7ffe1, 0x7ffe2, 0x7ffe3, 0x7ffe4, 0x7ffe5, 0x7ffd7, 0x7ffec, 0x7fff4,
  0x7fff3,
];

export const SCALEFACTOR_BITS: readonly number[] = [
  18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
  19, 19, 19, 18, 19, 18, 17, 17, 16, 17, 16, 16, 16, 16, 15, 15,
  14, 14, 14, 14, 14, 14, 13, 13, 12, 12, 12, 11, 12, 11, 10, 10,
  10, 9, 9, 8, 8, 8, 7, 6, 6, 5, 4, 3, 1, 4, 4, 5,
  6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 10, 11, 11, 11, 11, 12,
  12, 13, 13, 13, 14, 14, 16, 15, 16, 15, 18, 19, 19, 19, 19, 19,
  19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
  19, 19, 19, 19, 19, 19, 19, 19, 19,
];

export interface SpectralBook {
  readonly index: number;
  /** 4 for books 1-4, 2 for books 5-11. */
  readonly dim: 2 | 4;
  /** Signed books code the sign in the codeword; unsigned books append one bit per non-zero value. */
  readonly signed: boolean;
  /** Largest absolute value the book codes (16 in book 11 means "escape"). */
  readonly lav: number;
  readonly codes: readonly number[];
  readonly bits: readonly number[];
}

function book(index: number, dim: 2 | 4, signed: boolean, lav: number, codes: readonly number[], bits: readonly number[]): SpectralBook {
  return { index, dim, signed, lav, codes, bits };
}

/** `SPECTRAL_BOOKS[n]` is spectral codebook n; entry 0 (ZERO_HCB) is unused. */
export const SPECTRAL_BOOKS: readonly (SpectralBook | undefined)[] = [
  undefined,
  book(1, 4, true, 1, codes1, bits1),
  book(2, 4, true, 1, codes2, bits2),
  book(3, 4, false, 2, codes3, bits3),
  book(4, 4, false, 2, codes4, bits4),
  book(5, 2, true, 4, codes5, bits5),
  book(6, 2, true, 4, codes6, bits6),
  book(7, 2, false, 7, codes7, bits7),
  book(8, 2, false, 7, codes8, bits8),
  book(9, 2, false, 12, codes9, bits9),
  book(10, 2, false, 12, codes10, bits10),
  book(11, 2, false, 16, codes11, bits11),
];
