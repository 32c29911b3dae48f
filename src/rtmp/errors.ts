/**
 * Error codes of the RTMP core. Every malformed input is a ParseError carrying one of these codes;
 * the session that owns the socket logs it and closes that one connection.
 */
import { TranspondError } from "../errors.ts";

export const RTMP_ERR = {
  /** C0/S0 version is not 3 */
  HANDSHAKE_VERSION: "ERR_RTMP_HANDSHAKE_VERSION",
  /** C0 version 6 or 8 (RTMPE, encrypted handshake) */
  HANDSHAKE_ENCRYPTED: "ERR_RTMP_HANDSHAKE_ENCRYPTED_UNSUPPORTED",
  /** a message longer than rtmp.max_message_size was announced */
  MESSAGE_TOO_LARGE: "ERR_RTMP_MESSAGE_TOO_LARGE",
  /** more chunk streams in use at once than limits.maxChunkStreams */
  TOO_MANY_CHUNK_STREAMS: "ERR_RTMP_TOO_MANY_CHUNK_STREAMS",
  /** partly received messages hold more than limits.maxPendingBytes */
  TOO_MUCH_PENDING: "ERR_RTMP_TOO_MUCH_PENDING",
  /** a chunk of type 1, 2 or 3 on a chunk stream that never had a type 0 header */
  NO_PREVIOUS_HEADER: "ERR_RTMP_NO_PREVIOUS_HEADER",
  /** Set Chunk Size outside 1..0x7fffffff (or above limits.maxChunkSize) */
  BAD_CHUNK_SIZE: "ERR_RTMP_BAD_CHUNK_SIZE",
  /** a protocol control / user control message body is shorter than its type needs */
  TRUNCATED_MESSAGE: "ERR_RTMP_TRUNCATED_MESSAGE",
  /** a command message does not start with a string name and a number transaction id */
  BAD_COMMAND: "ERR_RTMP_BAD_COMMAND",
  /** AMF3 command/data (17/15) whose body is real AMF3 (first byte not 0) */
  AMF3_UNSUPPORTED: "ERR_RTMP_AMF3_UNSUPPORTED",
  /** an rtmp:// or rtmps:// URL that cannot be used (the message says why) */
  URL: "ERR_RTMP_URL",
  /** the server ended a published stream (a stream of that name was stopped) */
  STREAM_TERMINATED: "ERR_RTMP_STREAM_TERMINATED",
  /** an aggregate message whose sub-message headers do not add up */
  BAD_AGGREGATE: "ERR_RTMP_BAD_AGGREGATE",
  /** more messages than the session holds arrived while a connect, publish or play waited for admission */
  ADMISSION_BACKLOG: "ERR_RTMP_ADMISSION_BACKLOG",
} as const;

export type RtmpErrorCode = (typeof RTMP_ERR)[keyof typeof RTMP_ERR];

/** The codes of the problems a trace reports (beside the ParseError codes of what cannot be decoded). */
export const TRACE_ERR = {
  HANDSHAKE_INCOMPLETE: "ERR_TRACE_HANDSHAKE_INCOMPLETE",
  HANDSHAKE_VERSION: "ERR_TRACE_HANDSHAKE_VERSION",
  INTERNAL: "ERR_TRACE_INTERNAL",
  MEDIA_BEFORE_SEQUENCE_HEADER: "ERR_TRACE_MEDIA_BEFORE_SEQUENCE_HEADER",
  MESSAGE_INTERRUPTED: "ERR_TRACE_MESSAGE_INTERRUPTED",
  TCP_GAP: "ERR_TRACE_TCP_GAP",
  TIMESTAMP_BACKWARDS: "ERR_TRACE_TIMESTAMP_BACKWARDS",
  TRUNCATED: "ERR_TRACE_TRUNCATED",
  UNDECODABLE: "ERR_TRACE_UNDECODABLE",
  UNKNOWN_TYPE: "ERR_TRACE_UNKNOWN_TYPE",
} as const;

/** The base of the RTMP layer's errors that are not the peer's malformed bytes (those are ParseError). */
export class RtmpError extends TranspondError {}
