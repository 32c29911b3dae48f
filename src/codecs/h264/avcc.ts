/**
 * AVCC / "length-prefixed" NAL units (ISO/IEC 14496-15 section 5.3.4.2, as in MP4 samples and FLV
 * AVC NALU tags): each NAL unit preceded by its length in `lengthSize` bytes, big endian, where
 * lengthSize = lengthSizeMinusOne + 1 of the AVCDecoderConfigurationRecord (1, 2 or 4).
 *
 *   | length (lengthSize bytes) | NAL unit | length | NAL unit | ...
 */
import { ParseError } from "../../errors.ts";
import { MAX_NALS_PER_ACCESS_UNIT, MAX_NAL_SIZE } from "./limits.ts";
import { CODECS_ERR } from "../errors.ts";

export type NalLengthSize = 1 | 2 | 4;

function checkLengthSize(lengthSize: number): asserts lengthSize is NalLengthSize {
  if (lengthSize !== 1 && lengthSize !== 2 && lengthSize !== 4) {
    throw new ParseError(CODECS_ERR.H264_AVCC_LENGTH_SIZE, `NAL length size ${lengthSize} is not 1, 2 or 4`);
  }
}

/** The NAL units of an AVCC sample, as subarrays of the input. Zero-length entries are skipped. */
export function avccToNalus(bytes: Uint8Array, lengthSize: number = 4): Uint8Array[] {
  checkLengthSize(lengthSize);
  const nalus: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + lengthSize > bytes.length) {
      throw new ParseError(CODECS_ERR.H264_AVCC_TRUNCATED, `NAL length field needs ${lengthSize} bytes, ${bytes.length - pos} left`, pos);
    }
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + bytes[pos + i]!;
    pos += lengthSize;
    if (len > MAX_NAL_SIZE) throw new ParseError(CODECS_ERR.H264_NAL_TOO_LARGE, `NAL unit of ${len} bytes exceeds ${MAX_NAL_SIZE}`, pos - lengthSize);
    if (len > bytes.length - pos) {
      throw new ParseError(CODECS_ERR.H264_AVCC_TRUNCATED, `NAL unit of ${len} bytes, ${bytes.length - pos} left`, pos - lengthSize);
    }
    if (len > 0) {
      if (nalus.length >= MAX_NALS_PER_ACCESS_UNIT) throw new ParseError(CODECS_ERR.H264_TOO_MANY_NALS, `more than ${MAX_NALS_PER_ACCESS_UNIT} NAL units`, pos - lengthSize);
      nalus.push(bytes.subarray(pos, pos + len));
    }
    pos += len;
  }
  return nalus;
}

/** An AVCC sample of the NAL units with `lengthSize`-byte big-endian lengths. */
export function nalusToAvcc(nalus: readonly Uint8Array[], lengthSize: number = 4): Uint8Array {
  checkLengthSize(lengthSize);
  const max = 2 ** (8 * lengthSize) - 1;
  let size = 0;
  for (const n of nalus) {
    if (n.length > max) throw new RangeError(`NAL unit of ${n.length} bytes does not fit a ${lengthSize}-byte length`);
    size += lengthSize + n.length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const n of nalus) {
    for (let i = lengthSize - 1; i >= 0; i--) out[pos + (lengthSize - 1 - i)] = Math.floor(n.length / 2 ** (8 * i)) & 0xff;
    out.set(n, pos + lengthSize);
    pos += lengthSize + n.length;
  }
  return out;
}
