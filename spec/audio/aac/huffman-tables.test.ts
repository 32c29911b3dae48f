import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SCALEFACTOR_BITS, SCALEFACTOR_CODES, SPECTRAL_BOOKS } from "../../../src/audio/aac/huffman-tables.ts";

const test = suite("aac huffman tables");

const books: [string, readonly number[], readonly number[], number][] = [
  ["scalefactor", SCALEFACTOR_CODES, SCALEFACTOR_BITS, 121],
  ...SPECTRAL_BOOKS.flatMap((b) => (b ? [[`spectral ${b.index}`, b.codes, b.bits, b.dim === 4 ? 81 : b.signed ? 81 : (b.lav + 1) ** 2] as [string, readonly number[], readonly number[], number]] : [])),
];

test("there are eleven spectral books and one scalefactor book", () => {
  assert.is(books.length, 12);
  assert.equal(books.map((b) => b[1].length), [121, 81, 81, 81, 81, 81, 81, 64, 64, 169, 169, 289]);
});

for (const [name, codes, bits, size] of books) {
  test(`${name}: every codeword fits its length and the book has ${size} entries`, () => {
    assert.is(codes.length, size);
    assert.is(bits.length, size);
    codes.forEach((c, i) => assert.ok(c >= 0 && c < 2 ** bits[i]!, `codeword ${i} (${c.toString(16)}) longer than ${bits[i]} bits`));
  });

  test(`${name}: no codeword is a prefix of another`, () => {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i === j || bits[i]! > bits[j]!) continue;
        const prefix = Math.floor(codes[j]! / 2 ** (bits[j]! - bits[i]!));
        assert.ok(prefix !== codes[i], `${name}: codeword ${i} is a prefix of codeword ${j}`);
      }
    }
  });

  test(`${name}: the Kraft sum is exactly 1 (a complete code)`, () => {
    const sum = bits.reduce((s, b) => s + 2 ** -b, 0);
    assert.is(sum, 1);
  });
}

test.run();
