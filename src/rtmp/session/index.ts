/** The socket-owning RTMP connection shared by the client (publisher) and the embedded server. */
export { CSID, infoDescription, RtmpConnection, type OutgoingMessage, type RtmpConnectionOptions, type RtmpConnectionState, type RtmpRole } from "./connection.ts";
export { RtmpCommandRejectedError, SESSION_ERR } from "./errors.ts";
export type { CommandMessage, DataMessage, MediaMessage, MessageMeta, RtmpConnectionEvents } from "./events.ts";
export { statusObject, statusOf, type StatusInfo, type StatusLevel } from "./status.ts";
