/**
 * The chunk stream writer (RTMP spec 1.0, section 5.3): splits messages into chunks of the current
 * chunk size and compresses headers per chunk stream:
 *   fmt 0 first message on a chunk stream, another message stream id, or a timestamp going back
 *   fmt 1 same stream id, other length or type
 *   fmt 2 same stream id, length and type, other delta
 *   fmt 3 same stream id, length, type and delta as the previous fmt 1/2 header (never directly
 *         after fmt 0, whose "delta" readers interpret differently), and every continuation chunk
 * Continuation chunks repeat the extended timestamp when the message's header had one (spec
 * 5.3.1.3; FFmpeg and nginx-rtmp read it).
 *
 * Fan-out (as nginx-rtmp's live module): everything after a message's first header depends only on
 * the payload, the chunk size, the chunk stream id and the extended timestamp, so `writeParts`
 * returns the first header apart and one body that every connection sending the same payload
 * shares (cut once per chunk size and chunk stream, kept as long as the payload lives).
 */
import { DEFAULT_CHUNK_SIZE } from "../limits.ts";
import type { RtmpRawMessage } from "./reader.ts";
import { encodeChunkHeader, EXTENDED_TIMESTAMP, MAX_CHUNK_STREAM_ID, type ChunkFmt } from "./header.ts";

interface WriterStreamState {
  timestamp: number;
  /** delta of the last fmt 1/2 header; undefined after a fmt 0 header */
  delta: number | undefined;
  length: number;
  typeId: number;
  messageStreamId: number;
}

export type RtmpMessageToSend = Omit<RtmpRawMessage, "payload"> & { readonly payload: Uint8Array };

export class ChunkWriter {
  private readonly streams = new Map<number, WriterStreamState>();
  private size = DEFAULT_CHUNK_SIZE;

  /** The chunk size this side uses; change it right after sending Set Chunk Size. */
  get chunkSize(): number {
    return this.size;
  }
  set chunkSize(value: number) {
    if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) throw new RangeError(`chunk size ${value} is outside 1..2147483647`);
    this.size = value;
  }

  /** The chunks of one message, as one buffer ready to write to the socket. */
  write(m: RtmpMessageToSend): Uint8Array {
    const [header, body] = this.writeParts(m, false);
    const out = new Uint8Array(header.length + body.length);
    out.set(header, 0);
    out.set(body, header.length);
    return out;
  }

  /**
   * The chunks of one message as [first header, the rest]; with `share` the rest comes from a cache
   * keyed by the payload object, the same bytes for every writer (the payload must not change after).
   */
  writeParts(m: RtmpMessageToSend, share = true): [Uint8Array, Uint8Array] {
    const length = m.payload.length;
    if (length > 0xffffff) throw new RangeError(`RTMP message of ${length} bytes is longer than 16777215`);
    const ts = m.timestamp >>> 0;
    const prev = this.streams.get(m.chunkStreamId);
    let fmt: ChunkFmt = 0;
    let field = ts;
    if (prev !== undefined && prev.messageStreamId === m.messageStreamId && ts >= prev.timestamp) {
      const delta = ts - prev.timestamp;
      field = delta;
      if (prev.length !== length || prev.typeId !== m.typeId) fmt = 1;
      else if (prev.delta === delta) fmt = 3;
      else fmt = 2;
    }
    const extended = field >= EXTENDED_TIMESTAMP ? field : undefined;
    const header = encodeChunkHeader({
      fmt,
      chunkStreamId: m.chunkStreamId,
      timestampField: field,
      messageLength: length,
      typeId: m.typeId,
      messageStreamId: m.messageStreamId,
      extendedTimestamp: extended,
    });
    if (prev === undefined) this.streams.set(m.chunkStreamId, { timestamp: ts, delta: undefined, length, typeId: m.typeId, messageStreamId: m.messageStreamId });
    else {
      prev.timestamp = ts;
      prev.delta = fmt === 0 ? undefined : field;
      prev.length = length;
      prev.typeId = m.typeId;
      prev.messageStreamId = m.messageStreamId;
    }
    const body = share && extended === undefined ? sharedChunkBody(m.payload, this.size, m.chunkStreamId) : chunkBody(m.payload, this.size, m.chunkStreamId, extended);
    return [header, body];
  }
}

/**
 * A payload cut into chunks of `chunkSize` with fmt 3 continuation headers between them (repeating
 * `extendedTimestamp` when given), without the first chunk's header. A payload that fits one chunk
 * is returned as is.
 */
export function chunkBody(payload: Uint8Array, chunkSize: number, chunkStreamId: number, extendedTimestamp?: number): Uint8Array {
  const length = payload.length;
  if (length <= chunkSize) return payload;
  const chunks = Math.ceil(length / chunkSize);
  const continuation = encodeChunkHeader({ fmt: 3, chunkStreamId, extendedTimestamp });
  const out = new Uint8Array(length + (chunks - 1) * continuation.length);
  let at = 0;
  for (let i = 0, pos = 0; i < chunks; i++) {
    if (i > 0) {
      out.set(continuation, at);
      at += continuation.length;
    }
    const take = Math.min(chunkSize, length - pos);
    out.set(payload.subarray(pos, pos + take), at);
    at += take;
    pos += take;
  }
  return out;
}

/** Bodies already cut, per payload, keyed by chunk size and chunk stream id. */
const sharedBodies = new WeakMap<Uint8Array, Map<number, Uint8Array>>();

/** `chunkBody` without an extended timestamp, cut once per (payload, chunk size, chunk stream id). */
export function sharedChunkBody(payload: Uint8Array, chunkSize: number, chunkStreamId: number): Uint8Array {
  if (payload.length <= chunkSize) return payload;
  const key = chunkSize * (MAX_CHUNK_STREAM_ID + 1) + chunkStreamId;
  let cut = sharedBodies.get(payload);
  if (cut === undefined) sharedBodies.set(payload, (cut = new Map()));
  let body = cut.get(key);
  if (body === undefined) cut.set(key, (body = chunkBody(payload, chunkSize, chunkStreamId)));
  return body;
}
