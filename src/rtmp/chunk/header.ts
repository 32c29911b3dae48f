/**
 * The chunk header (RTMP spec 1.0, section 5.3.1).
 *
 * Basic header: fmt (2 bits) + chunk stream id (6 bits). csid 0 means one more byte (csid 64..319),
 * csid 1 two more bytes, little endian (csid 64..65599); csid 2 is protocol control.
 *
 *    0 1 2 3 4 5 6 7
 *   +-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   +---------------+---------------+
 *   |fmt|   cs id   |   |fmt|     0     |  cs id - 64   |   |fmt|     1     | cs id - 64 (LE 16)
 *   +-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   +---------------+---------------+
 *
 * Message header by fmt:
 *   0 (11 bytes): timestamp (3) | message length (3) | type id (1) | message stream id (4, LE)
 *   1  (7 bytes): timestamp delta (3) | message length (3) | type id (1)
 *   2  (3 bytes): timestamp delta (3)
 *   3  (0 bytes): everything from the previous chunk of this chunk stream
 * A timestamp (delta) field of 0xFFFFFF means a 4-byte extended timestamp follows (5.3.1.3).
 */
export const EXTENDED_TIMESTAMP = 0xffffff;
export const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;
export const MAX_CHUNK_STREAM_ID = 65599;

export type ChunkFmt = 0 | 1 | 2 | 3;

export interface ChunkHeader {
  readonly fmt: ChunkFmt;
  readonly chunkStreamId: number;
  /** the 24-bit timestamp or delta field (fmt 0..2); 0xFFFFFF when `extendedTimestamp` is set */
  readonly timestampField?: number;
  /** fmt 0..1 */
  readonly messageLength?: number;
  /** fmt 0..1 */
  readonly typeId?: number;
  /** fmt 0 */
  readonly messageStreamId?: number;
  /** the 4-byte extended timestamp, when present */
  readonly extendedTimestamp?: number;
}

export function basicHeaderSize(firstByte: number): number {
  const low = firstByte & 0x3f;
  return low === 0 ? 2 : low === 1 ? 3 : 1;
}

/**
 * Decodes the basic and message header at `offset` of `bytes`, without the extended timestamp of a
 * fmt 3 chunk (whether that is present depends on the chunk stream's state: see reader.ts).
 * Returns undefined when more bytes are needed.
 */
export function decodeChunkHeader(bytes: Uint8Array, offset = 0): { header: ChunkHeader; size: number } | undefined {
  if (offset >= bytes.length) return undefined;
  const b0 = bytes[offset]!;
  const fmt = (b0 >> 6) as ChunkFmt;
  const basic = basicHeaderSize(b0);
  if (offset + basic > bytes.length) return undefined;
  let chunkStreamId = b0 & 0x3f;
  if (basic === 2) chunkStreamId = 64 + bytes[offset + 1]!;
  else if (basic === 3) chunkStreamId = 64 + bytes[offset + 1]! + bytes[offset + 2]! * 256;
  let at = offset + basic;
  if (fmt === 3) return { header: { fmt, chunkStreamId }, size: basic };
  const mh = MESSAGE_HEADER_SIZE[fmt];
  if (at + mh > bytes.length) return undefined;
  const timestampField = u24(bytes, at);
  let messageLength: number | undefined;
  let typeId: number | undefined;
  let messageStreamId: number | undefined;
  if (fmt <= 1) {
    messageLength = u24(bytes, at + 3);
    typeId = bytes[at + 6]!;
  }
  if (fmt === 0) messageStreamId = (bytes[at + 7]! | (bytes[at + 8]! << 8) | (bytes[at + 9]! << 16) | (bytes[at + 10]! << 24)) >>> 0;
  at += mh;
  let extendedTimestamp: number | undefined;
  if (timestampField === EXTENDED_TIMESTAMP) {
    if (at + 4 > bytes.length) return undefined;
    extendedTimestamp = u32(bytes, at);
    at += 4;
  }
  const header: ChunkHeader = { fmt, chunkStreamId, timestampField, messageLength, typeId, messageStreamId, extendedTimestamp };
  return { header, size: at - offset };
}

/** Encodes a chunk header; for fmt 3 pass `extendedTimestamp` when the chunk repeats it. */
export function encodeChunkHeader(h: ChunkHeader): Uint8Array {
  const csid = h.chunkStreamId;
  if (!Number.isInteger(csid) || csid < 2 || csid > MAX_CHUNK_STREAM_ID) throw new RangeError(`chunk stream id ${csid} is outside 2..${MAX_CHUNK_STREAM_ID}`);
  const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
  const mh = MESSAGE_HEADER_SIZE[h.fmt];
  const ext = h.extendedTimestamp !== undefined ? 4 : 0;
  const out = new Uint8Array(basic + mh + ext);
  if (basic === 1) out[0] = (h.fmt << 6) | csid;
  else if (basic === 2) {
    out[0] = h.fmt << 6;
    out[1] = csid - 64;
  } else {
    out[0] = (h.fmt << 6) | 1;
    out[1] = (csid - 64) & 0xff;
    out[2] = (csid - 64) >> 8;
  }
  let at = basic;
  if (h.fmt !== 3) {
    const field = h.extendedTimestamp !== undefined ? EXTENDED_TIMESTAMP : (h.timestampField ?? 0);
    putU24(out, at, field);
    if (h.fmt <= 1) {
      putU24(out, at + 3, h.messageLength ?? 0);
      out[at + 6] = h.typeId ?? 0;
    }
    if (h.fmt === 0) {
      const sid = h.messageStreamId ?? 0;
      out[at + 7] = sid & 0xff;
      out[at + 8] = (sid >>> 8) & 0xff;
      out[at + 9] = (sid >>> 16) & 0xff;
      out[at + 10] = (sid >>> 24) & 0xff;
    }
    at += mh;
  }
  if (h.extendedTimestamp !== undefined) putU32(out, at, h.extendedTimestamp);
  return out;
}

export function u24(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}
export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
export function putU24(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 16) & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = v & 0xff;
}
export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
