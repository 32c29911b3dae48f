/**
 * FLV file header and tag header (Adobe "Video File Format Specification" v10, annex E.2-E.4).
 *
 * FLV header (9 bytes, then PreviousTagSize0 = 0):
 *   | 'F' 'L' 'V' | Version (8) | 00000 | Audio (1) | 0 | Video (1) | DataOffset (32) |
 *
 * Tag header (11 bytes), then Data (DataSize bytes), then PreviousTagSize (32) = 11 + DataSize:
 *   | Reserved (2) | Filter (1) | TagType (5) | DataSize (24) | Timestamp (24) |
 *   | TimestampExtended (8) | StreamID (24) = 0 |
 *
 * Timestamp is in milliseconds; TimestampExtended holds bits 31..24.
 */
import { ParseError } from "../errors.ts";
import { FLV_ERR } from "./errors.ts";

export const TAG_TYPE = { AUDIO: 8, VIDEO: 9, SCRIPT: 18 } as const;

export const FLV_HEADER_SIZE = 9;
export const TAG_HEADER_SIZE = 11;
export const PREVIOUS_TAG_SIZE_SIZE = 4;

export interface FlvHeader {
  readonly version: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** DataOffset: where the body starts, 9 for version 1. */
  readonly dataOffset: number;
}

export interface TagHeader {
  readonly filter: boolean;
  readonly tagType: number;
  readonly dataSize: number;
  /** Full 32-bit timestamp in ms (Timestamp | TimestampExtended << 24). */
  readonly timestamp: number;
  readonly streamId: number;
}

/** A whole FLV tag: header fields and its body (a subarray of the input when decoded). */
export interface FlvTag {
  readonly tagType: number;
  readonly timestamp: number;
  readonly data: Uint8Array;
  readonly filter?: boolean;
  readonly streamId?: number;
}

export function decodeFlvHeader(bytes: Uint8Array): FlvHeader {
  if (bytes.length < FLV_HEADER_SIZE) throw new ParseError(FLV_ERR.TRUNCATED, `FLV header needs 9 bytes, got ${bytes.length}`, 0);
  if (bytes[0] !== 0x46 || bytes[1] !== 0x4c || bytes[2] !== 0x56) throw new ParseError(FLV_ERR.SIGNATURE, "not an FLV file (no 'FLV' signature)", 0);
  const dataOffset = ((bytes[5]! << 24) | (bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!) >>> 0;
  if (dataOffset < FLV_HEADER_SIZE) throw new ParseError(FLV_ERR.HEADER_SIZE, `DataOffset ${dataOffset} is smaller than the header`, 5);
  return { version: bytes[3]!, hasAudio: (bytes[4]! & 0x04) !== 0, hasVideo: (bytes[4]! & 0x01) !== 0, dataOffset };
}

/** The 9-byte FLV header followed by PreviousTagSize0 (13 bytes). */
export function encodeFlvHeader(header: { readonly hasAudio: boolean; readonly hasVideo: boolean }): Uint8Array {
  return Uint8Array.of(0x46, 0x4c, 0x56, 1, (header.hasAudio ? 4 : 0) | (header.hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0);
}

export function decodeTagHeader(bytes: Uint8Array, offset = 0): TagHeader {
  if (bytes.length - offset < TAG_HEADER_SIZE) throw new ParseError(FLV_ERR.TRUNCATED, "tag header needs 11 bytes", offset);
  const b = (i: number): number => bytes[offset + i]!;
  return {
    filter: (b(0) & 0x20) !== 0,
    tagType: b(0) & 0x1f,
    dataSize: (b(1) << 16) | (b(2) << 8) | b(3),
    timestamp: ((b(7) << 24) | (b(4) << 16) | (b(5) << 8) | b(6)) >>> 0,
    streamId: (b(8) << 16) | (b(9) << 8) | b(10),
  };
}

/** Bytes `encodeTag` writes for a tag: header, data and PreviousTagSize. */
export function encodedTagSize(tag: FlvTag): number {
  return TAG_HEADER_SIZE + tag.data.length + PREVIOUS_TAG_SIZE_SIZE;
}

/** Writes the 11-byte header of a tag into `out` at `offset`. */
export function encodeTagHeaderInto(tag: FlvTag, out: Uint8Array, offset: number): void {
  const size = tag.data.length;
  if (size > 0xffffff) throw new RangeError(`FLV tag data of ${size} bytes exceeds 24 bits`);
  if (tag.tagType < 0 || tag.tagType > 31) throw new RangeError(`FLV tag type ${tag.tagType} does not fit 5 bits`);
  const ts = tag.timestamp >>> 0;
  const sid = tag.streamId ?? 0;
  out[offset] = (tag.filter ? 0x20 : 0) | tag.tagType;
  out[offset + 1] = size >> 16;
  out[offset + 2] = (size >> 8) & 0xff;
  out[offset + 3] = size & 0xff;
  out[offset + 4] = (ts >> 16) & 0xff;
  out[offset + 5] = (ts >> 8) & 0xff;
  out[offset + 6] = ts & 0xff;
  out[offset + 7] = ts >>> 24;
  out[offset + 8] = (sid >> 16) & 0xff;
  out[offset + 9] = (sid >> 8) & 0xff;
  out[offset + 10] = sid & 0xff;
}

/** Writes the PreviousTagSize that follows `tag` into `out` at `offset`. */
export function encodePreviousTagSizeInto(tag: FlvTag, out: Uint8Array, offset: number): void {
  const prev = TAG_HEADER_SIZE + tag.data.length;
  out[offset] = prev >>> 24;
  out[offset + 1] = (prev >> 16) & 0xff;
  out[offset + 2] = (prev >> 8) & 0xff;
  out[offset + 3] = prev & 0xff;
}

/** Writes header, data and PreviousTagSize of a tag into `out` at `offset`; returns the bytes written. */
export function encodeTagInto(tag: FlvTag, out: Uint8Array, offset: number): number {
  encodeTagHeaderInto(tag, out, offset);
  out.set(tag.data, offset + TAG_HEADER_SIZE);
  encodePreviousTagSizeInto(tag, out, offset + TAG_HEADER_SIZE + tag.data.length);
  return encodedTagSize(tag);
}

/** One tag with its trailing PreviousTagSize. */
export function encodeTag(tag: FlvTag): Uint8Array {
  const out = new Uint8Array(encodedTagSize(tag));
  encodeTagInto(tag, out, 0);
  return out;
}
