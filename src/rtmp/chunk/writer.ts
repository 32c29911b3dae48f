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
 */
import { DEFAULT_CHUNK_SIZE } from "../limits.ts";
import type { RtmpRawMessage } from "./reader.ts";
import { encodeChunkHeader, EXTENDED_TIMESTAMP, type ChunkFmt } from "./header.ts";

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
    this.streams.set(m.chunkStreamId, {
      timestamp: ts,
      delta: fmt === 0 ? undefined : field,
      length,
      typeId: m.typeId,
      messageStreamId: m.messageStreamId,
    });

    const chunks = Math.max(1, Math.ceil(length / this.size));
    const continuation = encodeChunkHeader({ fmt: 3, chunkStreamId: m.chunkStreamId, extendedTimestamp: extended });
    const out = new Uint8Array(header.length + length + (chunks - 1) * continuation.length);
    out.set(header, 0);
    let at = header.length;
    for (let i = 0, pos = 0; i < chunks; i++) {
      if (i > 0) {
        out.set(continuation, at);
        at += continuation.length;
      }
      const take = Math.min(this.size, length - pos);
      out.set(m.payload.subarray(pos, pos + take), at);
      at += take;
      pos += take;
    }
    return out;
  }
}
