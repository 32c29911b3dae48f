/**
 * Annex-B byte stream (ITU-T H.264 Annex B): NAL units each preceded by a start code, 0x000001 or
 * 0x00000001 (a zero_byte then the 3-byte code); trailing_zero_8bits may follow a NAL unit.
 *
 *   [00] 00 00 01 | NAL unit | [00 ...] [00] 00 00 01 | NAL unit | ...
 *
 * `splitAnnexB` returns subarrays of the input (no copy); `joinAnnexB` writes 4-byte start codes.
 */
import { ParseError } from "../../errors.ts";
import { MAX_NALS_PER_ACCESS_UNIT, MAX_NAL_SIZE } from "./limits.ts";
import { CODECS_ERR } from "../errors.ts";

/** Index of the next 0x000001 at or after `from`, or -1. */
function findStartCode(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 2 < bytes.length; i++) {
    if (bytes[i + 2]! > 1) {
      i += 2;
      continue;
    }
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) return i;
  }
  return -1;
}

/**
 * The NAL units of an Annex-B byte stream, without start codes or trailing zero bytes. Bytes before
 * the first start code must be zeros (leading_zero_8bits); empty NAL units are skipped.
 */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const first = findStartCode(bytes, 0);
  if (first < 0) {
    if (bytes.every((b) => b === 0)) return [];
    throw new ParseError(CODECS_ERR.H264_ANNEXB_NO_START_CODE, "no Annex-B start code in the data", 0);
  }
  for (let i = 0; i < first; i++) {
    if (bytes[i] !== 0) throw new ParseError(CODECS_ERR.H264_ANNEXB_NO_START_CODE, "data before the first Annex-B start code", i);
  }
  const nalus: Uint8Array[] = [];
  let start = first + 3;
  while (start <= bytes.length) {
    const next = findStartCode(bytes, start);
    let end = next < 0 ? bytes.length : next;
    while (end > start && bytes[end - 1] === 0) end--;
    if (end > start) {
      if (end - start > MAX_NAL_SIZE) throw new ParseError(CODECS_ERR.H264_NAL_TOO_LARGE, `NAL unit of ${end - start} bytes exceeds ${MAX_NAL_SIZE}`, start);
      if (nalus.length >= MAX_NALS_PER_ACCESS_UNIT) throw new ParseError(CODECS_ERR.H264_TOO_MANY_NALS, `more than ${MAX_NALS_PER_ACCESS_UNIT} NAL units`, start);
      nalus.push(bytes.subarray(start, end));
    }
    if (next < 0) break;
    start = next + 3;
  }
  return nalus;
}

const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** An Annex-B byte stream of the NAL units, each behind a 4-byte start code. */
export function joinAnnexB(nalus: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const n of nalus) size += 4 + n.length;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const n of nalus) {
    out.set(START_CODE, pos);
    out.set(n, pos + 4);
    pos += 4 + n.length;
  }
  return out;
}
