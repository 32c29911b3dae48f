/**
 * Every RTMP message type (RTMP spec 1.0 sections 5.4, 6.2 and 7.1) with its id, name and typed
 * body; `decodeMessage` / `encodeMessage` convert between a reassembled message and the body.
 *
 *   1 SetChunkSize   u32 (top bit 0)            2 Abort             u32 chunk stream id
 *   3 Acknowledgement u32 sequence number       4 UserControl       u16 event type + event data
 *   5 WindowAckSize  u32                        6 SetPeerBandwidth  u32 size + u8 limit type
 *   8 Audio, 9 Video: FLV tag bodies            15 DataAMF3, 17 CommandAMF3: 0x00 + AMF0 (FFmpeg)
 *  16 SharedObjectAMF3, 19 SharedObjectAMF0: kept raw
 *  18 DataAMF0: name + values                   20 CommandAMF0: name, transaction id, object, args
 *  22 Aggregate: FLV-tag-like sub-messages (type, size 24, timestamp 24+8, stream id 24, body, u32)
 */
import { ParseError } from "../errors.ts";
import { decodeAmf0All, encodeAmf0, type Amf0Value } from "../flv/amf0.ts";
import type { RtmpRawMessage } from "./chunk/reader.ts";
import { RTMP_ERR } from "./errors.ts";

export const MESSAGE_TYPE = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAMF3: 15,
  SharedObjectAMF3: 16,
  CommandAMF3: 17,
  DataAMF0: 18,
  SharedObjectAMF0: 19,
  CommandAMF0: 20,
  Aggregate: 22,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(MESSAGE_TYPE).map(([name, id]) => [id, name]));

/** "SetChunkSize (1)" ... "Aggregate (22)"; "Unknown (N)" for other ids. */
export function messageTypeName(typeId: number): string {
  return `${TYPE_NAMES.get(typeId) ?? "Unknown"} (${typeId})`;
}

export const USER_CONTROL_EVENT = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

export type UserControlEvent =
  | { readonly event: "StreamBegin" | "StreamEOF" | "StreamDry" | "StreamIsRecorded"; readonly streamId: number }
  | { readonly event: "SetBufferLength"; readonly streamId: number; readonly bufferLength: number }
  | { readonly event: "PingRequest" | "PingResponse"; readonly timestamp: number }
  | { readonly event: "Unknown"; readonly eventType: number; readonly data: Uint8Array };

/** Set Peer Bandwidth limit type (spec 5.4.5). */
export const LIMIT_TYPE = { hard: 0, soft: 1, dynamic: 2 } as const;

export type MessageBody =
  | { readonly type: "SetChunkSize"; readonly chunkSize: number }
  | { readonly type: "Abort"; readonly chunkStreamId: number }
  | { readonly type: "Acknowledgement"; readonly sequenceNumber: number }
  | ({ readonly type: "UserControl" } & UserControlEvent)
  | { readonly type: "WindowAckSize"; readonly size: number }
  | { readonly type: "SetPeerBandwidth"; readonly size: number; readonly limitType: number }
  | { readonly type: "Audio"; readonly data: Uint8Array }
  | { readonly type: "Video"; readonly data: Uint8Array }
  | {
      readonly type: "Command";
      readonly name: string;
      readonly transactionId: number;
      readonly commandObject: Amf0Value;
      readonly args: readonly Amf0Value[];
      /** sent as CommandAMF3 (17) with an AMF0 body */
      readonly amf3?: boolean;
    }
  | { readonly type: "Data"; readonly values: readonly Amf0Value[]; readonly amf3?: boolean }
  | { readonly type: "Aggregate"; readonly messages: readonly RtmpRawMessage[] }
  | { readonly type: "Raw"; readonly typeId: number; readonly payload: Uint8Array };

function truncated(raw: RtmpRawMessage, need: number): never {
  throw new ParseError(RTMP_ERR.TRUNCATED_MESSAGE, `${messageTypeName(raw.typeId)} needs ${need} bytes, got ${raw.payload.length}`, 0);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function body4(raw: RtmpRawMessage): number {
  if (raw.payload.length < 4) truncated(raw, 4);
  return u32(raw.payload, 0);
}

/** Decodes the body of a reassembled message. Malformed bodies throw ParseError. */
export function decodeMessage(raw: RtmpRawMessage): MessageBody {
  const p = raw.payload;
  switch (raw.typeId) {
    case MESSAGE_TYPE.SetChunkSize:
      return { type: "SetChunkSize", chunkSize: body4(raw) & 0x7fffffff };
    case MESSAGE_TYPE.Abort:
      return { type: "Abort", chunkStreamId: body4(raw) };
    case MESSAGE_TYPE.Acknowledgement:
      return { type: "Acknowledgement", sequenceNumber: body4(raw) };
    case MESSAGE_TYPE.WindowAckSize:
      return { type: "WindowAckSize", size: body4(raw) };
    case MESSAGE_TYPE.SetPeerBandwidth:
      if (p.length < 5) truncated(raw, 5);
      return { type: "SetPeerBandwidth", size: u32(p, 0), limitType: p[4]! };
    case MESSAGE_TYPE.UserControl:
      return { type: "UserControl", ...decodeUserControl(raw) };
    case MESSAGE_TYPE.Audio:
      return { type: "Audio", data: p };
    case MESSAGE_TYPE.Video:
      return { type: "Video", data: p };
    case MESSAGE_TYPE.CommandAMF0:
      return decodeCommand(p, 0, false);
    case MESSAGE_TYPE.DataAMF0:
      return { type: "Data", values: decodeAmf0All(p) };
    case MESSAGE_TYPE.CommandAMF3:
      return decodeCommand(p, amf3Body(raw), true);
    case MESSAGE_TYPE.DataAMF3:
      return { type: "Data", values: decodeAmf0All(p, amf3Body(raw)), amf3: true };
    case MESSAGE_TYPE.Aggregate:
      return { type: "Aggregate", messages: decodeAggregate(raw) };
    default:
      return { type: "Raw", typeId: raw.typeId, payload: p };
  }
}

/** AMF3 command/data: FFmpeg (rtmpproto.c) and Flash send a 0x00 byte then an AMF0 body. */
function amf3Body(raw: RtmpRawMessage): number {
  if (raw.payload.length === 0) truncated(raw, 1);
  if (raw.payload[0] !== 0) {
    throw new ParseError(RTMP_ERR.AMF3_UNSUPPORTED, `${messageTypeName(raw.typeId)} carries a real AMF3 body (first byte 0x${raw.payload[0]!.toString(16)}); only AMF0 is supported`, 0);
  }
  return 1;
}

function decodeCommand(p: Uint8Array, offset: number, amf3: boolean): MessageBody {
  const values = decodeAmf0All(p, offset);
  const [name, transactionId, commandObject = null, ...args] = values;
  if (typeof name !== "string") throw new ParseError(RTMP_ERR.BAD_COMMAND, "command message does not start with a string name", offset);
  // some peers (onStatus from old servers, onMetaData sent as a command) omit the transaction id
  const tid = typeof transactionId === "number" ? transactionId : 0;
  return amf3 ? { type: "Command", name, transactionId: tid, commandObject, args, amf3 } : { type: "Command", name, transactionId: tid, commandObject, args };
}

function decodeUserControl(raw: RtmpRawMessage): UserControlEvent {
  const p = raw.payload;
  if (p.length < 2) truncated(raw, 2);
  const eventType = (p[0]! << 8) | p[1]!;
  switch (eventType) {
    case USER_CONTROL_EVENT.StreamBegin:
    case USER_CONTROL_EVENT.StreamEOF:
    case USER_CONTROL_EVENT.StreamDry:
    case USER_CONTROL_EVENT.StreamIsRecorded: {
      if (p.length < 6) truncated(raw, 6);
      const event = (["StreamBegin", "StreamEOF", "StreamDry", "", "StreamIsRecorded"] as const)[eventType] as "StreamBegin";
      return { event, streamId: u32(p, 2) };
    }
    case USER_CONTROL_EVENT.SetBufferLength:
      if (p.length < 10) truncated(raw, 10);
      return { event: "SetBufferLength", streamId: u32(p, 2), bufferLength: u32(p, 6) };
    case USER_CONTROL_EVENT.PingRequest:
    case USER_CONTROL_EVENT.PingResponse:
      if (p.length < 6) truncated(raw, 6);
      return { event: eventType === 6 ? "PingRequest" : "PingResponse", timestamp: u32(p, 2) };
    default:
      return { event: "Unknown", eventType, data: p.subarray(2) };
  }
}

/**
 * Aggregate (22): sub-messages laid out as FLV tags. As FFmpeg (rtmp_flv/handle_metadata), the
 * first sub-message's timestamp is the base: each gets `aggregate timestamp + (its ts - base)`.
 * Sub-messages keep the aggregate's chunk stream id and message stream id.
 */
function decodeAggregate(raw: RtmpRawMessage): RtmpRawMessage[] {
  const p = raw.payload;
  const out: RtmpRawMessage[] = [];
  let at = 0;
  let base: number | undefined;
  while (at < p.length) {
    if (at + 11 > p.length) throw new ParseError(RTMP_ERR.BAD_AGGREGATE, `aggregate sub-message header needs 11 bytes, ${p.length - at} left`, at);
    const typeId = p[at]!;
    const size = (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!;
    const ts = (((p[at + 7]! << 24) | (p[at + 4]! << 16) | (p[at + 5]! << 8) | p[at + 6]!) >>> 0);
    if (at + 11 + size > p.length) throw new ParseError(RTMP_ERR.BAD_AGGREGATE, `aggregate sub-message of ${size} bytes runs past the end`, at);
    base ??= ts;
    out.push({
      chunkStreamId: raw.chunkStreamId,
      timestamp: (raw.timestamp + ts - base) >>> 0,
      typeId,
      messageStreamId: raw.messageStreamId,
      payload: p.subarray(at + 11, at + 11 + size),
    });
    at += 11 + size;
    // the back pointer (previous tag size) is optional at the very end
    if (at + 4 <= p.length) at += 4;
    else if (at !== p.length) throw new ParseError(RTMP_ERR.BAD_AGGREGATE, "aggregate back pointer truncated", at);
  }
  return out;
}

export interface EncodedMessage {
  readonly typeId: number;
  readonly payload: Uint8Array;
}

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** Encodes a body; pair it with chunkStreamId/timestamp/messageStreamId for ChunkWriter.write(). */
export function encodeMessage(body: MessageBody): EncodedMessage {
  switch (body.type) {
    case "SetChunkSize":
      return { typeId: 1, payload: be32(body.chunkSize & 0x7fffffff) };
    case "Abort":
      return { typeId: 2, payload: be32(body.chunkStreamId) };
    case "Acknowledgement":
      return { typeId: 3, payload: be32(body.sequenceNumber) };
    case "WindowAckSize":
      return { typeId: 5, payload: be32(body.size) };
    case "SetPeerBandwidth":
      return { typeId: 6, payload: Uint8Array.of(...be32(body.size), body.limitType) };
    case "UserControl":
      return { typeId: 4, payload: encodeUserControl(body) };
    case "Audio":
      return { typeId: 8, payload: body.data };
    case "Video":
      return { typeId: 9, payload: body.data };
    case "Command": {
      const amf = encodeAmf0([body.name, body.transactionId, body.commandObject, ...body.args]);
      return body.amf3 ? { typeId: 17, payload: prefixZero(amf) } : { typeId: 20, payload: amf };
    }
    case "Data": {
      const amf = encodeAmf0(body.values);
      return body.amf3 ? { typeId: 15, payload: prefixZero(amf) } : { typeId: 18, payload: amf };
    }
    case "Aggregate":
      return { typeId: 22, payload: encodeAggregate(body.messages) };
    case "Raw":
      return { typeId: body.typeId, payload: body.payload };
  }
}

function prefixZero(amf: Uint8Array): Uint8Array {
  const out = new Uint8Array(amf.length + 1);
  out.set(amf, 1);
  return out;
}

function encodeUserControl(e: UserControlEvent): Uint8Array {
  switch (e.event) {
    case "SetBufferLength":
      return Uint8Array.of(0, 3, ...be32(e.streamId), ...be32(e.bufferLength));
    case "PingRequest":
    case "PingResponse":
      return Uint8Array.of(0, e.event === "PingRequest" ? 6 : 7, ...be32(e.timestamp));
    case "Unknown":
      return Uint8Array.of(e.eventType >> 8, e.eventType & 0xff, ...e.data);
    default:
      return Uint8Array.of(0, USER_CONTROL_EVENT[e.event], ...be32(e.streamId));
  }
}

function encodeAggregate(messages: readonly RtmpRawMessage[]): Uint8Array {
  const size = messages.reduce((n, m) => n + 15 + m.payload.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const m of messages) {
    const n = m.payload.length;
    out.set([m.typeId, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, (m.timestamp >> 16) & 0xff, (m.timestamp >> 8) & 0xff, m.timestamp & 0xff, (m.timestamp >>> 24) & 0xff, 0, 0, 0], at);
    out.set(m.payload, at + 11);
    out.set(be32(11 + n), at + 11 + n);
    at += 15 + n;
  }
  return out;
}
