/** The embedded RTMP server (publish ingest and play); core/ingest/rtmp-ingest.ts connects it to the hub. */
export type { ConnectRequest, PlayHandle, PlayOutput, PublishAnswer, PublisherControl, PublishTarget, Refusal, RtmpServerHandler, StreamRequest } from "./handler.ts";
export { PublishMediaDecoder, type PublishedMedia } from "./publish-media.ts";
export { PLAYER_HIGH_WATER_BYTES, SERVER_CHUNK_SIZE, SERVER_WINDOW_ACK_SIZE, ServerSession, splitStreamName } from "./server-session.ts";
export { RtmpServer, type RtmpServerOptions } from "./server.ts";
