import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BitReader, BitWriter } from "../../src/codecs/bits.ts";
import { prng } from "../support/fuzz.ts";

const test = suite("codecs/bits");

/** The low `bits` bits of `value`, most significant first, one character per bit. */
function bitString(bits: number, value: number): string {
  let out = "";
  for (let i = bits - 1; i >= 0; i--) out += Math.floor(value / 2 ** i) & 1;
  return out;
}

function bytesToBits(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(2).padStart(8, "0")).join("");
}

test("writes fields of every width from 0 to 32 bits at every bit offset, as the bit string says", () => {
  const next = prng(11);
  const writer = new BitWriter(1);
  let expected = "";
  for (let i = 0; i < 5000; i++) {
    const bits = next() % 33;
    // values past the field (and negative ones) keep only their low bits
    const value = next() % 4 === 0 ? -(next() % 1000) : next() * 2 ** (next() % 8) + (next() & 0xff);
    writer.write(bits, value);
    expected += bitString(bits, value);
  }
  assert.is(writer.bitLength, expected.length);
  assert.is(bytesToBits(writer.finish()), expected.padEnd(Math.ceil(expected.length / 8) * 8, "0"));
});

test("BitReader reads back what BitWriter wrote, Exp-Golomb codes included", () => {
  const next = prng(12);
  const fields: [number, number][] = Array.from({ length: 2000 }, () => {
    const bits = 1 + (next() % 32);
    return [bits, next() % 2 ** bits];
  });
  const writer = new BitWriter();
  for (const [bits, value] of fields) writer.write(bits, value);
  writer.writeUE(0);
  writer.writeUE(254);
  writer.writeSE(-7);
  writer.writeSE(9);
  const reader = new BitReader(writer.finish());
  for (const [bits, value] of fields) assert.is(reader.read(bits), value);
  assert.equal([reader.readUE(), reader.readUE(), reader.readSE(), reader.readSE()], [0, 254, -7, 9]);
});

test("a field wider than 32 bits is refused", () => {
  assert.throws(() => new BitWriter().write(33, 1), /at most 32 bits/);
});

test.run();
