/**
 * The project's one bit reader and writer (MSB first), with Exp-Golomb codes for H.264 SPS and the
 * plain fixed-width fields of AAC, FLV and RTP headers. Reading past the end throws a ParseError.
 */
import { ParseError } from "../errors.ts";
import { CODECS_ERR } from "./errors.ts";

export class BitReader {
  private readonly data: Uint8Array;
  private bitPos: number;
  private readonly bitEnd: number;

  constructor(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset) {
    this.data = data;
    this.bitPos = byteOffset * 8;
    this.bitEnd = (byteOffset + byteLength) * 8;
  }

  get bitsLeft(): number {
    return this.bitEnd - this.bitPos;
  }

  get bitOffset(): number {
    return this.bitPos;
  }

  /** Reads up to 32 bits as an unsigned number. */
  read(bits: number): number {
    if (bits === 0) return 0;
    if (bits > 32) throw new RangeError("BitReader.read takes at most 32 bits");
    if (bits > this.bitsLeft) throw new ParseError(CODECS_ERR.BITS_TRUNCATED, `needed ${bits} bits, ${this.bitsLeft} left`, this.bitPos >> 3);
    if (bits > 24) return this.read(bits - 16) * 65536 + this.read(16);
    const value = this.peek(bits);
    this.bitPos += bits;
    return value;
  }

  /**
   * The next `bits` (1..24) bits without consuming them; bits past the end read as zero, so a
   * variable-length code can be looked up near the end and `skip` then checks what it really used.
   */
  peek(bits: number): number {
    const pos = this.bitPos;
    const byte = pos >> 3;
    const end = this.bitEnd >> 3;
    const d = this.data;
    if (byte + 3 < end) {
      const w = (d[byte]! << 24) | (d[byte + 1]! << 16) | (d[byte + 2]! << 8) | d[byte + 3]!;
      return (w << (pos & 7)) >>> (32 - bits);
    }
    const word =
      ((byte < end ? d[byte]! : 0) * 0x1000000) +
      ((byte + 1 < end ? d[byte + 1]! : 0) << 16) +
      ((byte + 2 < end ? d[byte + 2]! : 0) << 8) +
      (byte + 3 < end ? d[byte + 3]! : 0);
    return ((word << (pos & 7)) >>> (32 - bits)) >>> 0;
  }

  readFlag(): boolean {
    return this.read(1) === 1;
  }

  skip(bits: number): void {
    if (bits > this.bitsLeft) throw new ParseError(CODECS_ERR.BITS_TRUNCATED, `cannot skip ${bits} bits, ${this.bitsLeft} left`, this.bitPos >> 3);
    this.bitPos += bits;
  }

  /** Skips to the next byte boundary. */
  skipToByte(): void {
    this.skip((8 - (this.bitPos & 7)) & 7);
  }

  /** ue(v), ITU-T H.264 section 9.1. */
  readUE(): number {
    let zeros = 0;
    while (this.read(1) === 0) {
      if (++zeros > 31) throw new ParseError(CODECS_ERR.BITS_EXP_GOLOMB, "Exp-Golomb code longer than 32 bits", this.bitPos >> 3);
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.read(zeros);
  }

  /** se(v), ITU-T H.264 section 9.1.1. */
  readSE(): number {
    const k = this.readUE();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

export class BitWriter {
  private bytes: Uint8Array;
  private bitPos = 0;

  constructor(initialBytes = 256) {
    this.bytes = new Uint8Array(Math.max(1, initialBytes));
  }

  get bitLength(): number {
    return this.bitPos;
  }

  /** Writes the low `bits` bits of `value` (up to 32). */
  write(bits: number, value: number): void {
    if (bits > 32) throw new RangeError("BitWriter.write takes at most 32 bits");
    if (bits > 24) {
      // keeps the shifts below within 32-bit integers
      this.write(bits - 24, Math.floor(value / 2 ** 24));
      return this.write(24, value);
    }
    this.reserve(bits);
    const v = value & ((1 << bits) - 1);
    let pos = this.bitPos;
    let left = bits;
    while (left > 0) {
      const free = 8 - (pos & 7);
      const n = free < left ? free : left;
      this.bytes[pos >> 3]! |= ((v >>> (left - n)) & ((1 << n) - 1)) << (free - n);
      pos += n;
      left -= n;
    }
    this.bitPos = pos;
  }

  writeFlag(flag: boolean): void {
    this.write(1, flag ? 1 : 0);
  }

  writeUE(value: number): void {
    const v = value + 1;
    const len = Math.floor(Math.log2(v));
    this.write(len, 0);
    this.write(len + 1, v);
  }

  writeSE(value: number): void {
    this.writeUE(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** Pads with zero bits to the next byte boundary. */
  alignZero(): void {
    const pad = (8 - (this.bitPos & 7)) & 7;
    this.write(pad, 0);
  }

  /** The bytes written so far (the last byte zero-padded). */
  finish(): Uint8Array {
    return this.bytes.slice(0, (this.bitPos + 7) >> 3);
  }

  private reserve(bits: number): void {
    const need = (this.bitPos + bits + 7) >> 3;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}
