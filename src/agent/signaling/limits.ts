/** Limits of the signaling layer: what one browser session may send or hold. */

/** Longest text frame accepted (an SDP offer with many codecs is ~10 KB). */
export const MAX_FRAME_CHARS = 256 * 1024;
/** Longest SDP inside a frame. */
export const MAX_SDP_CHARS = 128 * 1024;
export const MAX_MEDIA_SESSION_ID_LENGTH = 128;
/** Streams (published + played) one session may have at once. */
export const MAX_STREAMS_PER_SESSION = 32;
/** How long a publisher or player may take to connect (ICE + DTLS) before it fails. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** Bytes queued to a client that does not read before its socket is closed (1008). */
export const MAX_SEND_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Messages a client may send: a bucket of MESSAGE_BURST refilled at MESSAGES_PER_SECOND (the Web SDK sends a handful). */
export const MESSAGES_PER_SECOND = 50;
export const MESSAGE_BURST = 200;
/** How long a closing socket may take to finish the close handshake before it is cut. */
export const CLOSE_GRACE_MS = 2000;
