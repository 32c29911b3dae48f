/**
 * Public API of the RTMP layer (`transpond/rtmp`). The protocol core: handshake, chunk stream,
 * messages; the client (publisher) and server add their exports here.
 */
export { AckWindow } from "./ack-window.ts";
export { ChunkReader, type ChunkReaderOptions, type RtmpRawMessage } from "./chunk/reader.ts";
export { ChunkWriter } from "./chunk/writer.ts";
export { RTMP_ERR, type RtmpErrorCode } from "./errors.ts";
export { HandshakeClient, HandshakeServer, type HandshakeClientOptions, type HandshakeOptions, type HandshakeStep } from "./handshake.ts";
export { DEFAULT_CHUNK_SIZE, DEFAULT_RTMP_LIMITS, type RtmpLimits } from "./limits.ts";
export {
  decodeMessage,
  encodeMessage,
  LIMIT_TYPE,
  MESSAGE_TYPE,
  messageTypeName,
  USER_CONTROL_EVENT,
  type EncodedMessage,
  type MessageBody,
  type UserControlEvent,
} from "./messages.ts";
export {
  CSID,
  RtmpCommandRejectedError,
  RtmpConnection,
  SESSION_ERR,
  statusObject,
  statusOf,
  type CommandMessage,
  type DataMessage,
  type MediaMessage,
  type OutgoingMessage,
  type RtmpConnectionEvents,
  type RtmpConnectionOptions,
  type StatusInfo,
} from "./session/index.ts";
export { traceCapture, type TraceOptions, type TraceResult, type TraceMessage, type TraceProblem, type TraceSession } from "./trace.ts";
export { formatTrace, traceToJson } from "./trace-format.ts";
export { parseRtmpTarget, displayUrl, type RtmpTarget, type TargetOptions } from "./client/url.ts";
export { RtmpServer, type RtmpServerHandler, type RtmpServerOptions, type StreamRequest } from "./server/index.ts";
