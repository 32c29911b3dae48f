/**
 * The agent layer's errors: AgentError, the base every part of it throws (a peer's malformed frames
 * are ParseError), and the code tables of its parts. The signaling session answers any of these codes
 * in a `fail` frame; rest/errors.ts maps the WHIP and media codes to HTTP statuses.
 */
import { TranspondError } from "../errors.ts";

/** Signaling: the session answers each with a `fail` frame. */
export const SIGNALING_ERR = {
  /** the text frame is not JSON */
  JSON: "ERR_WCS_JSON",
  /** JSON, but not `{"message": string, "data": [payload]}` */
  ENVELOPE: "ERR_WCS_ENVELOPE",
  /** the frame is longer than MAX_FRAME_CHARS */
  FRAME_TOO_LARGE: "ERR_WCS_FRAME_TOO_LARGE",
  /** a required field is missing or has the wrong type (the message names it) */
  FIELD: "ERR_WCS_FIELD",
  /** a message name this server does not know */
  UNKNOWN_MESSAGE: "ERR_WCS_UNKNOWN_MESSAGE",
  /** a binary frame on a signaling socket */
  BINARY: "ERR_WCS_BINARY",
  /** a failure that is not a TranspondError (a bug), answered as such */
  INTERNAL: "ERR_INTERNAL",
} as const;

/** The media engine (werift peers): the session turns these into a FAILED `info` text. */
export const MEDIA_ERR = {
  /** the offer has no codec the server can take (H.264 packetization-mode=1, Opus) */
  NO_COMMON_CODECS: "ERR_WEBRTC_NO_COMMON_CODECS",
  /** the offer is not SDP or has no media sections */
  BAD_SDP: "ERR_WEBRTC_BAD_SDP",
  /** no UDP port free inside media_port_from..media_port_to, or another local failure */
  PEER: "ERR_WEBRTC_PEER",
} as const;

/** WHIP/WHEP sessions. */
export const WHIP_ERR = {
  /** WHIP: a stream of that name is published already */
  NAME_IN_USE: "ERR_WHIP_NAME_IN_USE",
  /** WHEP: no stream of that name is published */
  STREAM_NOT_FOUND: "ERR_WHIP_STREAM_NOT_FOUND",
  /** more sessions than MAX_SESSIONS */
  TOO_MANY: "ERR_WHIP_TOO_MANY_SESSIONS",
  /** the publishStream / playStream REST hook refused it */
  REFUSED: "ERR_WHIP_REFUSED",
  /** the session ended while its offer was being answered */
  ENDED: "ERR_WHIP_ENDED",
} as const;

/** The agent client (relays to another server). */
export const AGENT_ERR = {
  /** a server frame that is not `{"message": string, "data": [...]}` JSON */
  FRAME: "ERR_AGENT_FRAME",
  CONNECT: "ERR_AGENT_CONNECT",
  /** the server's TLS certificate did not verify */
  TLS: "ERR_AGENT_TLS",
  TIMEOUT: "ERR_AGENT_TIMEOUT",
  /** the other server answered FAILED or `fail` */
  REFUSED: "ERR_AGENT_REFUSED",
  /** our peer could not make the offer or take the answer */
  PEER: "ERR_AGENT_PEER",
} as const;

/** The base of the agent layer's errors that are not a peer's malformed input (those are ParseError). */
export class AgentError extends TranspondError {}

/** A failed attempt of the agent client; `retry` false when trying again will not help. */
export class AgentClientError extends AgentError {
  readonly retry: boolean;
  constructor(code: string, message: string, retry: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retry = retry;
  }
}
