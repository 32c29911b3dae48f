/**
 * Limits of the RTMP core. The chunk reader never buffers more than these allow; a peer that goes
 * beyond them gets a ParseError and the session closes the connection.
 */
export interface RtmpLimits {
  /** Largest message a peer may announce (config `rtmp.max_message_size`); checked at the header. */
  readonly maxMessageSize: number;
  /** Chunk stream ids tracked at once per direction (nginx-rtmp's default max_streams is 32). */
  readonly maxChunkStreams: number;
  /** Sum of the payload bytes of all partly received messages. */
  readonly maxPendingBytes: number;
  /** Largest chunk size a peer may set (RTMP spec 5.4.1: 1..0x7fffffff). */
  readonly maxChunkSize: number;
}

export const DEFAULT_RTMP_LIMITS: RtmpLimits = {
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxPendingBytes: 16 * 1024 * 1024,
  maxChunkSize: 0x7fffffff,
};

/** RTMP spec 5.4.1: the chunk size every connection starts with. */
export const DEFAULT_CHUNK_SIZE = 128;
/** Size of C1/S1/C2/S2 (spec 5.2.3). */
export const HANDSHAKE_SIZE = 1536;
