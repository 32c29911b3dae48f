/**
 * Section merging (ISO/IEC 14496-3 section 4.6.3.1): each run of bands with one codebook costs a
 * section header (4 bits of book plus 5 or 3 bits of length), so two neighbouring runs are merged
 * under the larger book when the header saved outweighs the extra codeword bits. Greedy, best
 * merge first (gains cached and recomputed only next to a merge), never through a zero (book 0) run, whose bands would then need scalefactors.
 */
import { countBandBits, ZERO_BOOK } from "./huffman.ts";
import { isShort, type IcsLayout } from "./layout.ts";

/** Largest absolute value each book codes (book 11 codes everything through escapes). */
const LAV = [0, 1, 1, 2, 2, 4, 4, 7, 7, 12, 12, 16];

interface Run {
  start: number;
  end: number;
  book: number;
  bits: number;
}

function headerBits(length: number, lenBits: number): number {
  const esc = (1 << lenBits) - 1;
  return 4 + lenBits * (Math.floor(length / esc) + 1);
}

function runBits(book: number, from: number, to: number, layout: IcsLayout, q: Int32Array): number {
  let bits = 0;
  for (let b = from; b < to; b++) bits += countBandBits(book, q, layout.bandStart[b]!, layout.bandEnd[b]!);
  return bits;
}

/**
 * The merged run's book is the larger run book (the one with the larger largest value), so only the
 * other run is recounted.
 */
function mergedBook(a: Run, b: Run, layout: IcsLayout, q: Int32Array): { book: number; bits: number } {
  if (LAV[a.book]! >= LAV[b.book]!) return { book: a.book, bits: a.bits + (a.book === b.book ? b.bits : runBits(a.book, b.start, b.end, layout, q)) };
  return { book: b.book, bits: b.bits + runBits(b.book, a.start, a.end, layout, q) };
}

/** Merges sections in place: updates `books` and `bandBits` of the bands involved. */
export function mergeSections(layout: IcsLayout, books: Uint8Array, bandBits: Int32Array, q: Int32Array): void {
  const lenBits = isShort(layout.windowSequence) ? 3 : 5;
  const per = layout.maxSfb;
  for (let g = 0; g < layout.groupLengths.length; g++) {
    const runs: Run[] = [];
    for (let s = 0; s < per; ) {
      const b0 = g * per + s;
      let e = s + 1;
      let bits = bandBits[b0]!;
      while (e < per && books[g * per + e] === books[b0]) bits += bandBits[g * per + e++]!;
      runs.push({ start: b0, end: g * per + e, book: books[b0]!, bits });
      s = e;
    }
    // gains[i]: bits saved by merging runs i and i+1 (recomputed only next to a merge).
    const gainOf = (i: number): { gain: number; merged: { book: number; bits: number } } => {
      const a = runs[i]!;
      const b = runs[i + 1]!;
      if (a.book === ZERO_BOOK || b.book === ZERO_BOOK) return { gain: 0, merged: { book: 0, bits: 0 } };
      const merged = mergedBook(a, b, layout, q);
      const before = a.bits + b.bits + headerBits(a.end - a.start, lenBits) + headerBits(b.end - b.start, lenBits);
      return { gain: before - merged.bits - headerBits(b.end - a.start, lenBits), merged };
    };
    const gains = runs.slice(0, -1).map((_, i) => gainOf(i));
    for (;;) {
      let bestAt = -1;
      let bestGain = 0;
      for (let i = 0; i < gains.length; i++) {
        if (gains[i]!.gain > bestGain) {
          bestGain = gains[i]!.gain;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const bestMerge = gains[bestAt]!.merged;
      const a = runs[bestAt]!;
      const b = runs[bestAt + 1]!;
      runs.splice(bestAt, 2, { start: a.start, end: b.end, book: bestMerge.book, bits: bestMerge.bits });
      gains.splice(bestAt, 1);
      if (bestAt > 0) gains[bestAt - 1] = gainOf(bestAt - 1);
      if (bestAt < gains.length) gains[bestAt] = gainOf(bestAt);
      for (let band = a.start; band < b.end; band++) {
        if (books[band] === bestMerge.book) continue;
        books[band] = bestMerge.book;
        bandBits[band] = countBandBits(bestMerge.book, q, layout.bandStart[band]!, layout.bandEnd[band]!);
      }
    }
  }
}
