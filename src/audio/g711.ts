/**
 * ITU-T G.711 A-law and µ-law, bit-exact with ffmpeg's pcm_alaw / pcm_mulaw in both directions.
 *
 * Decoding (ITU-T G.711 tables 1a/1b and 2a/2b, scaled to 16 bits):
 *   A-law: invert the even bits (xor 0x55); seg = bits 6..4, mant = bits 3..0;
 *          |x| = (2*mant + 1) << 3 for seg 0, (2*mant + 33) << (seg + 2) otherwise; bit 7 set = positive.
 *   µ-law: invert all bits; |x| + 132 = (8*mant + 132) << seg; bit 7 set = negative.
 * Encoding follows ffmpeg's rule: the 16-bit input is reduced to 14 bits ((x + 32768) >> 2) and mapped
 * to the code whose level is nearest, with the decision threshold between two neighbouring
 * magnitudes at (a + b + 4) >> 3 in 14-bit units. The 16384-entry encode tables are built once.
 */
import { floatToInt16Sample } from "./pcm.ts";

const ALAW_XOR = 0xd5; // code of the smallest positive A-law level
const ULAW_XOR = 0xff; // code of µ-law +0

function alawLevel(code: number): number {
  const v = code ^ 0x55;
  const mant = v & 0x0f;
  const seg = (v >> 4) & 0x07;
  const mag = seg === 0 ? (2 * mant + 1) << 3 : (2 * mant + 33) << (seg + 2);
  return v & 0x80 ? mag : -mag;
}

function ulawLevel(code: number): number {
  const v = ~code & 0xff;
  const mant = v & 0x0f;
  const seg = (v >> 4) & 0x07;
  const biased = ((mant << 3) + 0x84) << seg;
  return v & 0x80 ? 0x84 - biased : biased - 0x84;
}

function decodeTable(level: (code: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = level(c);
  return t;
}

/**
 * Encode table indexed by the 14-bit input (0..16383, 8192 = zero). Positive magnitudes step through
 * the 128 codes `i ^ xor` (i = 0 smallest); the matching negative code is `i ^ xor ^ 0x80`.
 */
function encodeTable(level: (code: number) => number, xor: number): Uint8Array {
  const t = new Uint8Array(16384);
  t[8192] = xor;
  let j = 1; // distance from the centre, 14-bit units
  for (let i = 0; i < 128; i++) {
    // every |x| below the threshold to the next level belongs to code i
    const limit = i < 127 ? (level(i ^ xor) + level((i + 1) ^ xor) + 4) >> 3 : 8192;
    for (; j < limit; j++) {
      t[8192 + j] = i ^ xor;
      t[8192 - j] = i ^ xor ^ 0x80;
    }
  }
  t[0] = t[1]!;
  return t;
}

const ALAW_DECODE = decodeTable(alawLevel);
const ULAW_DECODE = decodeTable(ulawLevel);
let alawEncode: Uint8Array | undefined;
let ulawEncode: Uint8Array | undefined;

export type G711Law = "PCMA" | "PCMU";

/** G.711 bytes to signed 16-bit samples. */
export function decodeG711(law: G711Law, bytes: Uint8Array): Int16Array {
  const table = law === "PCMA" ? ALAW_DECODE : ULAW_DECODE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** G.711 bytes to float samples in -1..1 (16-bit level / 32768). */
export function decodeG711Float(law: G711Law, bytes: Uint8Array): Float32Array {
  const table = law === "PCMA" ? ALAW_DECODE : ULAW_DECODE;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]! / 32768;
  return out;
}

function encoder(law: G711Law): Uint8Array {
  if (law === "PCMA") return (alawEncode ??= encodeTable(alawLevel, ALAW_XOR));
  return (ulawEncode ??= encodeTable(ulawLevel, ULAW_XOR));
}

/** Signed 16-bit samples to G.711 bytes. */
export function encodeG711(law: G711Law, samples: Int16Array): Uint8Array {
  const table = encoder(law);
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[(samples[i]! + 32768) >> 2]!;
  return out;
}

/** Float samples (-1..1) to G.711, through 16 bits as ffmpeg's flt -> s16 conversion does. */
export function encodeG711Float(law: G711Law, samples: Float32Array): Uint8Array {
  const table = encoder(law);
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[(floatToInt16Sample(samples[i]!) + 32768) >> 2]!;
  return out;
}

/** The code for digital silence: A-law 0xd5, µ-law 0xff (what ffmpeg encodes for 0). */
export function g711SilenceByte(law: G711Law): number {
  return law === "PCMA" ? ALAW_XOR : ULAW_XOR;
}
