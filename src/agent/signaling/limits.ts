/** Limits of the signaling layer: what one browser session may send or hold. */

/** Longest text frame accepted (an SDP offer with many codecs is ~10 KB). */
export const MAX_FRAME_CHARS = 256 * 1024;
/** Longest SDP inside a frame. */
export const MAX_SDP_CHARS = 128 * 1024;
export { MAX_STREAM_NAME_LENGTH } from "../../core/hub.ts";
export const MAX_MEDIA_SESSION_ID_LENGTH = 128;
/** Streams (published + played) one session may have at once. */
export const MAX_STREAMS_PER_SESSION = 32;
/** How long a publisher or player may take to connect (ICE + DTLS) before it fails. */
export const CONNECT_TIMEOUT_MS = 20_000;
