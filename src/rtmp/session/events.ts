/**
 * What an RtmpConnection hands its owner: typed event payloads (one interface per event) and the
 * event map used with Node's typed EventEmitter.
 */
import type { Amf0Value } from "../../flv/amf0.ts";
import type { RtmpRawMessage } from "../chunk/reader.ts";
import type { MessageBody } from "../messages.ts";

/** Where and when a message arrived. `timestamp` is the RTMP 32-bit ms value (wraps at 2^32). */
export interface MessageMeta {
  readonly chunkStreamId: number;
  readonly messageStreamId: number;
  readonly timestamp: number;
}

/** A Command (20, or 17 with an AMF0 body) from the peer. */
export interface CommandMessage extends MessageMeta {
  readonly name: string;
  readonly transactionId: number;
  readonly commandObject: Amf0Value;
  readonly args: readonly Amf0Value[];
}

/** A Data message (18/15): `values[0]` is usually "@setDataFrame" or "onMetaData". */
export interface DataMessage extends MessageMeta {
  readonly values: readonly Amf0Value[];
}

/** An Audio (8) or Video (9) message: the raw FLV tag body. */
export interface MediaMessage extends MessageMeta {
  readonly data: Uint8Array;
}

export interface RtmpConnectionEvents {
  /** handshake complete; commands may be sent */
  handshake: [];
  command: [CommandMessage];
  data: [DataMessage];
  audio: [MediaMessage];
  video: [MediaMessage];
  /**
   * Every decoded message (protocol control included, aggregates already split), before the
   * connection acts on it: for tracing and tests.
   */
  message: [MessageBody, RtmpRawMessage];
  /** the socket's write buffer emptied (after `send*` returned false) */
  drain: [];
  /** exactly once; `reason` undefined for a clean close by either side */
  close: [reason: Error | undefined];
}
