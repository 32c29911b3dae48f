/**
 * Public API of the RTMP layer (`transpond/rtmp`): the protocol core (handshake, chunk stream,
 * messages, connection), the publisher (RTMP and RTMPS client), the server, and the trace decoder.
 */
export { AckWindow } from "./ack-window.ts";
export { ChunkReader, type ChunkReaderOptions, type RtmpRawMessage } from "./chunk/reader.ts";
export { ChunkWriter } from "./chunk/writer.ts";
export { RTMP_ERR, RtmpError, type RtmpErrorCode } from "./errors.ts";
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
export { parseRtmpTarget, displayUrl, RtmpUrlError, type RtmpTarget, type TargetOptions } from "./client/url.ts";
export { DEFAULT_FLASH_VERSION, RtmpPublisher, type PublisherOptions, type PublishMetadata } from "./client/publisher.ts";
export { publishFlvFile, type FilePublishOptions, type FilePublishResult } from "./client/file-publisher.ts";
export { PLAY_ERR, PUBLISH_ERR, RtmpClientError, RtmpPlayError, RtmpPublishError } from "./client/errors.ts";
export { RtmpPlayer, FFMPEG_FLASH_VER, type PlayerOptions, type RtmpPlayerEvents } from "./client/player.ts";
export {
  RtmpServer,
  type PlayHandle,
  type PlayOutput,
  type PublishAnswer,
  type PublisherControl,
  type PublishTarget,
  type RtmpServerHandler,
  type RtmpServerOptions,
  type StreamRequest,
} from "./server/index.ts";
