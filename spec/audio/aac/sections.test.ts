import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { sectionDataBits } from "../../../src/audio/aac/bitstream.ts";
import { SPECTRAL_BOOKS } from "../../../src/audio/aac/huffman-tables.ts";
import { bestBook } from "../../../src/audio/aac/huffman.ts";
import { buildLayout, type IcsLayout } from "../../../src/audio/aac/layout.ts";
import { mergeSections } from "../../../src/audio/aac/sections.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac section merging");
const t = bandTables(48000);

function setup(layout: IcsLayout, seed: number): { books: Uint8Array; bandBits: Int32Array; q: Int32Array; maxAbs: number[] } {
  let s = seed;
  const n = layout.bandStart.length;
  const q = new Int32Array(1024);
  const books = new Uint8Array(n);
  const bandBits = new Int32Array(n);
  const maxAbs: number[] = [];
  for (let b = 0; b < n; b++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const limit = [0, 1, 1, 2, 3, 1, 6, 0, 2, 20][s % 10]!;
    let m = 0;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const v = Math.floor((s / 2147483648) ** 3 * (limit + 1));
      q[i] = s & 4096 ? -v : v;
      m = Math.max(m, v);
    }
    maxAbs.push(m);
    const best = bestBook(m, q, layout.bandStart[b]!, layout.bandEnd[b]!);
    books[b] = best.book;
    bandBits[b] = best.bits;
  }
  return { books, bandBits, q, maxAbs };
}

for (const [name, layout] of [
  ["long", buildLayout(t, WindowSequence.ONLY_LONG, [1], 46)],
  ["grouped short", buildLayout(t, WindowSequence.EIGHT_SHORT, [2, 1, 5], 13)],
] as const) {
  test(`${name} windows: merging never costs bits, keeps every band codable and leaves zero bands alone`, () => {
    let saved = 0;
    for (let seed = 1; seed < 30; seed++) {
      const { books, bandBits, q, maxAbs } = setup(layout, seed);
      const total = (bk: Uint8Array, bb: Int32Array) => sectionDataBits(layout, bk) + bb.reduce((a, v) => a + v, 0);
      const before = total(books, bandBits);
      const zeros = [...books].map((b) => b === 0);
      mergeSections(layout, books, bandBits, q);
      const after = total(books, bandBits);
      assert.ok(after <= before, `seed ${seed}: ${after} > ${before}`);
      saved += before - after;
      for (let b = 0; b < books.length; b++) {
        assert.is(books[b] === 0, zeros[b], `band ${b} changed to or from book 0`);
        if (books[b] !== 0 && books[b] !== 11) assert.ok(SPECTRAL_BOOKS[books[b]!]!.lav >= maxAbs[b]!);
      }
    }
    assert.ok(saved > 0, "merging saved nothing on 29 random frames");
  });
}

test.run();
