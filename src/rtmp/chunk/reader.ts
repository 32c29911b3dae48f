/**
 * The incremental chunk stream reader (RTMP spec 1.0, sections 5.3 and 5.4): `push(bytes)` returns
 * the messages completed by those bytes. No I/O; the session owning the socket feeds it.
 *
 * - Per chunk stream state: the last header's fields, so fmt 1/2/3 can omit them.
 * - Timestamps: fmt 0 is absolute, fmt 1/2 add a delta, a fmt 3 chunk that starts a new message adds
 *   the previous header's timestamp field again (FFmpeg rtmppkt.c behaviour). All modulo 2^32.
 * - Extended timestamps: present after fmt 0/1/2 headers whose field is 0xFFFFFF. A fmt 3 chunk
 *   after such a header repeats the 4 bytes (spec, Flash, FFmpeg >= 2013, nginx-rtmp); peers that
 *   omit them on continuation chunks are detected as librtmp does it: the 4 bytes are taken as the
 *   repeat only when they equal the extended timestamp of the message's first chunk.
 * - Set Chunk Size (1) and Abort (2) are applied by the reader itself when it completes them.
 * - Limits (limits.ts): a message longer than maxMessageSize is refused at its header, before any
 *   payload is buffered; payload is kept as received pieces and joined at the end, so memory grows
 *   only with bytes actually received (bounded by maxPendingBytes).
 */
import { ParseError } from "../../errors.ts";
import { concatBytes } from "../../codecs/bytes.ts";
import { ByteQueue } from "../../codecs/byte-queue.ts";
import { RTMP_ERR } from "../errors.ts";
import { DEFAULT_CHUNK_SIZE, DEFAULT_RTMP_LIMITS, type RtmpLimits } from "../limits.ts";
import { basicHeaderSize, EXTENDED_TIMESTAMP, MESSAGE_HEADER_SIZE, u24, u32, type ChunkFmt } from "./header.ts";

/** One reassembled RTMP message. */
export interface RtmpRawMessage {
  readonly chunkStreamId: number;
  /** ms, absolute, 32-bit (wraps at 2^32 as on the wire) */
  readonly timestamp: number;
  readonly typeId: number;
  readonly messageStreamId: number;
  readonly payload: Uint8Array;
}

interface ChunkStreamState {
  readonly id: number;
  timestamp: number;
  /** the timestamp/delta field of the last header (what a new-message fmt 3 adds) */
  delta: number;
  length: number;
  typeId: number;
  messageStreamId: number;
  /** the last fmt 0/1/2 header carried an extended timestamp */
  extended: boolean;
  extendedValue: number;
  /** payload pieces of the message being received, or undefined between messages */
  pieces: Uint8Array[] | undefined;
  received: number;
}

export interface ChunkReaderOptions {
  readonly limits?: Partial<RtmpLimits>;
}

export class ChunkReader {
  private readonly queue = new ByteQueue();
  private readonly streams = new Map<number, ChunkStreamState>();
  private readonly limits: RtmpLimits;
  private state: "header" | "payload" = "header";
  private current: ChunkStreamState | undefined;
  private chunkLeft = 0;
  private pending = 0;
  private consumed = 0;
  /** Messages dropped because a new header started on their chunk stream before they were complete. */
  interruptedMessages = 0;
  /** The chunk size the peer announced (Set Chunk Size); starts at 128. */
  chunkSize = DEFAULT_CHUNK_SIZE;

  constructor(options: ChunkReaderOptions = {}) {
    this.limits = { ...DEFAULT_RTMP_LIMITS, ...options.limits };
  }

  /** Bytes consumed so far (what Acknowledgement sequence numbers count, together with the handshake). */
  get bytesRead(): number {
    return this.consumed;
  }
  /** Bytes pushed but not yet parsed (an incomplete header or chunk). */
  get bytesBuffered(): number {
    return this.queue.length;
  }

  push(bytes: Uint8Array): RtmpRawMessage[] {
    this.queue.push(bytes);
    const out: RtmpRawMessage[] = [];
    for (;;) {
      if (this.state === "header") {
        if (!this.readHeader(out)) break;
      } else if (!this.readPayload(out)) break;
    }
    return out;
  }

  private fail(code: string, message: string): never {
    throw new ParseError(code, message, this.consumed);
  }

  /** Returns false when more bytes are needed. */
  private readHeader(out: RtmpRawMessage[]): boolean {
    if (this.queue.length === 0) return false;
    const b0 = this.queue.peek(1)[0]!;
    const basic = basicHeaderSize(b0);
    const fmt = (b0 >> 6) as ChunkFmt;
    const mh = MESSAGE_HEADER_SIZE[fmt];
    if (this.queue.length < basic + mh) return false;
    const head = this.queue.peek(basic + mh);
    const csid = basic === 1 ? b0 & 0x3f : basic === 2 ? 64 + head[1]! : 64 + head[1]! + head[2]! * 256;
    let size = basic + mh;
    let s = this.streams.get(csid);
    if (fmt !== 0 && s === undefined) this.fail(RTMP_ERR.NO_PREVIOUS_HEADER, `chunk fmt ${fmt} on chunk stream ${csid}, which had no fmt 0 header`);

    if (fmt === 3) {
      const st = s!;
      if (st.extended) {
        if (this.queue.length < size + 4) return false;
        const ext = u32(this.queue.peek(size + 4), size);
        // a new message always carries it; a continuation only when it repeats the first chunk's
        if (st.pieces === undefined || ext === st.extendedValue) {
          size += 4;
          if (st.pieces === undefined) st.extendedValue = ext;
        }
      }
      this.queue.skip(size);
      this.consumed += size;
      if (st.pieces === undefined) {
        st.timestamp = (st.timestamp + (st.extended ? st.extendedValue : st.delta)) >>> 0;
        this.startMessage(st);
      }
      return this.enterPayload(st, out);
    }

    const field = u24(head, basic);
    const extended = field === EXTENDED_TIMESTAMP;
    if (extended) {
      if (this.queue.length < size + 4) return false;
      size += 4;
    }
    const all = this.queue.peek(size);
    const ts = extended ? u32(all, basic + mh) : field;
    let length = s?.length ?? 0;
    let typeId = s?.typeId ?? 0;
    if (fmt <= 1) {
      length = u24(all, basic + 3);
      typeId = all[basic + 6]!;
      if (length > this.limits.maxMessageSize) {
        this.fail(RTMP_ERR.MESSAGE_TOO_LARGE, `chunk stream ${csid} announces a ${length}-byte message (type ${typeId}); the limit is ${this.limits.maxMessageSize}`);
      }
    }
    if (s === undefined) {
      if (this.streams.size >= this.limits.maxChunkStreams) {
        this.fail(RTMP_ERR.TOO_MANY_CHUNK_STREAMS, `more than ${this.limits.maxChunkStreams} chunk streams in use`);
      }
      s = { id: csid, timestamp: 0, delta: 0, length: 0, typeId: 0, messageStreamId: 0, extended: false, extendedValue: 0, pieces: undefined, received: 0 };
      this.streams.set(csid, s);
    }
    this.queue.skip(size);
    this.consumed += size;
    if (s.pieces !== undefined) {
      this.dropPartial(s); // a new header in the middle of a message: the peer abandoned it
      this.interruptedMessages++;
    }
    if (fmt === 0) {
      s.timestamp = ts;
      s.messageStreamId = (all[basic + 7]! | (all[basic + 8]! << 8) | (all[basic + 9]! << 16) | (all[basic + 10]! << 24)) >>> 0;
    } else {
      s.timestamp = (s.timestamp + ts) >>> 0;
    }
    s.delta = ts;
    s.extended = extended;
    s.extendedValue = ts;
    s.length = length;
    s.typeId = typeId;
    this.startMessage(s);
    return this.enterPayload(s, out);
  }

  private startMessage(s: ChunkStreamState): void {
    s.pieces = [];
    s.received = 0;
  }

  private enterPayload(s: ChunkStreamState, out: RtmpRawMessage[]): boolean {
    const left = s.length - s.received;
    if (left === 0) {
      this.complete(s, out);
      return true;
    }
    this.current = s;
    this.chunkLeft = Math.min(this.chunkSize, left);
    this.state = "payload";
    return true;
  }

  private readPayload(out: RtmpRawMessage[]): boolean {
    const s = this.current!;
    const take = Math.min(this.chunkLeft, this.queue.length);
    if (take === 0) return false;
    if (this.pending + take > this.limits.maxPendingBytes) {
      this.fail(RTMP_ERR.TOO_MUCH_PENDING, `partly received messages would hold more than ${this.limits.maxPendingBytes} bytes`);
    }
    for (const piece of this.queue.consumePieces(take)) s.pieces!.push(piece);
    s.received += take;
    this.pending += take;
    this.consumed += take;
    this.chunkLeft -= take;
    if (this.chunkLeft > 0) return false;
    this.state = "header";
    this.current = undefined;
    if (s.received === s.length) this.complete(s, out);
    return true;
  }

  private dropPartial(s: ChunkStreamState): void {
    this.pending -= s.received;
    s.pieces = undefined;
    s.received = 0;
  }

  private complete(s: ChunkStreamState, out: RtmpRawMessage[]): void {
    const payload = concatBytes(s.pieces!, s.length);
    this.pending -= s.received;
    s.pieces = undefined;
    s.received = 0;
    const message: RtmpRawMessage = { chunkStreamId: s.id, timestamp: s.timestamp, typeId: s.typeId, messageStreamId: s.messageStreamId, payload };
    if (s.typeId === 1 && payload.length >= 4) this.applyChunkSize(u32(payload, 0));
    else if (s.typeId === 2 && payload.length >= 4) this.abort(u32(payload, 0));
    out.push(message);
  }

  private applyChunkSize(value: number): void {
    const size = value & 0x7fffffff; // spec 5.4.1: the top bit must be 0
    if (size < 1 || size > this.limits.maxChunkSize) this.fail(RTMP_ERR.BAD_CHUNK_SIZE, `Set Chunk Size ${value} is outside 1..${this.limits.maxChunkSize}`);
    this.chunkSize = size;
  }

  /** Abort Message (spec 5.4.2): discard the partly received message of that chunk stream. */
  private abort(csid: number): void {
    const s = this.streams.get(csid);
    if (s?.pieces !== undefined) this.dropPartial(s);
  }
}
