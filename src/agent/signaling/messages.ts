/**
 * The WCS WebSocket signaling protocol (reference/wcs-protocol.md section 1): every message name,
 * stream status and `info` text in one place, and the pure decode/encode of the JSON envelope
 * `{"message": name, "data": [ ... ]}`.
 *
 * Client frames carry exactly one payload (`data: [payload]`); server frames always carry a `data`
 * array because the SDK reads `data.data[0]` from every text frame before it dispatches (1.2).
 */
import { ParseError } from "../../errors.ts";
import { SIGNALING_ERR } from "../errors.ts";
import { MAX_STREAM_NAME_LENGTH } from "../../names.ts";
import { MAX_FRAME_CHARS, MAX_MEDIA_SESSION_ID_LENGTH, MAX_SDP_CHARS } from "./limits.ts";

/** Messages the Web SDK sends (1.3-1.8). */
export const CLIENT_MESSAGE = {
  CONNECTION: "connection",
  PONG: "pong",
  PING: "ping",
  PUBLISH_STREAM: "publishStream",
  UNPUBLISH_STREAM: "unPublishStream",
  PLAY_STREAM: "playStream",
  STOP_STREAM: "stopStream",
  AVAILABLE_STREAM: "availableStream",
} as const;

/** Messages the server sends. */
export const SERVER_MESSAGE = {
  GET_USER_DATA: "getUserData",
  PING: "ping",
  PONG: "pong",
  SET_REMOTE_SDP: "setRemoteSDP",
  NOTIFY_STREAM_STATUS_EVENT: "notifyStreamStatusEvent",
  AVAILABLE_STREAM: "availableStream",
  FAIL: "fail",
} as const;

/** Stream statuses (4.2) the server reports. */
export const STREAM_STATUS = {
  /** requested, not yet answered (the body of the publishStream / playStream hooks) */
  PENDING: "PENDING",
  PUBLISHING: "PUBLISHING",
  UNPUBLISHED: "UNPUBLISHED",
  PLAYING: "PLAYING",
  STOPPED: "STOPPED",
  FAILED: "FAILED",
} as const;
export type StreamStatus = (typeof STREAM_STATUS)[keyof typeof STREAM_STATUS];

/** `info` texts, exactly as WCS spells them (1.5); client apps compare these strings. */
export const INFO = {
  NAME_IN_USE: "Stream name is already in use",
  /** WCS's text for a refused session or stream (reference/wcs-protocol.md, info strings) */
  RESTRICTED_ACCESS: "Restricted access",
  STREAM_NOT_FOUND: "Stream not found",
  NO_COMMON_CODECS: "No common codecs",
  SESSION_DISCONNECT: "Stopped by session disconnect",
  PUBLISHER_STOP: "Stopped by publisher stop",
  REST_TERMINATE: "Stopped by rest /terminate",
  USER: "Stopped by user",
  KEEP_ALIVE: "Terminated by keep-alive",
  MEDIA_SESSION_ID_NULL: "MediaSessionId is null",
  MEDIA_SESSION_ID_IN_USE: "MediaSessionId is already in use",
  SESSION_NOT_READY: "Session not ready",
  ICE_ERROR: "Failed by ICE error",
  ICE_TIMEOUT: "Failed by ICE timeout",
  DTLS_ERROR: "Failed by DTLS error",
  ERROR: "Failed by error",
} as const;

export interface ClientFrame {
  readonly message: string;
  /** `data[0]`; may be null (pong) */
  readonly payload: unknown;
}

/** Decodes one client text frame. Throws ParseError with a SIGNALING_ERR code. */
export function decodeClientFrame(text: string): ClientFrame {
  if (text.length > MAX_FRAME_CHARS) {
    throw new ParseError(SIGNALING_ERR.FRAME_TOO_LARGE, `signaling frame of ${text.length} characters is over the ${MAX_FRAME_CHARS} limit`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ParseError(SIGNALING_ERR.JSON, "signaling frame is not JSON", -1, { cause: err });
  }
  if (!isRecord(value)) throw new ParseError(SIGNALING_ERR.ENVELOPE, "signaling frame is not a JSON object");
  const { message, data } = value;
  if (typeof message !== "string" || message === "") throw new ParseError(SIGNALING_ERR.ENVELOPE, "signaling frame has no `message` string");
  // The SDK always sends `data: [payload]`; the MSE transport's pong has no data at all (1.4).
  if (data !== undefined && !Array.isArray(data)) throw new ParseError(SIGNALING_ERR.ENVELOPE, "`data` of a signaling frame must be an array");
  return { message, payload: Array.isArray(data) ? (data[0] ?? null) : null };
}

/** One server frame as text; `data` is always an array. */
export function encodeServerFrame(message: string, data: readonly unknown[]): string {
  return JSON.stringify({ message, data });
}

/** The fields of publishStream / playStream / unPublishStream / stopStream the server uses (1.5, 1.7). */
export interface StreamRequest {
  readonly mediaSessionId: string;
  readonly name: string;
  /** the offer; required for publish and play, absent in stop messages */
  readonly sdp?: string;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  readonly record: boolean;
  readonly mediaProvider: string;
  /** optional republishing target (1.6), kept for the layer that republishes */
  readonly rtmpUrl?: string;
  readonly custom?: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldError(message: string, field: string, expected: string): ParseError {
  return new ParseError(SIGNALING_ERR.FIELD, `${message}: field \`${field}\` must be ${expected}`);
}

/**
 * Reads a stream request; `needSdp` for publishStream/playStream. A missing `mediaSessionId` is
 * reported as an empty string so the session can answer `MediaSessionId is null` as WCS does.
 */
export function decodeStreamRequest(message: string, payload: unknown, needSdp: boolean): StreamRequest {
  if (!isRecord(payload)) throw new ParseError(SIGNALING_ERR.FIELD, `${message}: payload must be an object`);
  const id = payload.mediaSessionId;
  if (id !== undefined && id !== null && (typeof id !== "string" || id.length > MAX_MEDIA_SESSION_ID_LENGTH)) {
    throw fieldError(message, "mediaSessionId", `a string of at most ${MAX_MEDIA_SESSION_ID_LENGTH} characters`);
  }
  const name = payload.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > MAX_STREAM_NAME_LENGTH) {
    throw fieldError(message, "name", `a non-empty string of at most ${MAX_STREAM_NAME_LENGTH} characters`);
  }
  const sdp = payload.sdp;
  if (needSdp && (typeof sdp !== "string" || sdp === "")) throw fieldError(message, "sdp", "a non-empty string");
  if (sdp !== undefined && sdp !== null && (typeof sdp !== "string" || sdp.length > MAX_SDP_CHARS)) {
    throw fieldError(message, "sdp", `a string of at most ${MAX_SDP_CHARS} characters`);
  }
  for (const flag of ["hasVideo", "hasAudio", "record"] as const) {
    const v = payload[flag];
    if (v !== undefined && v !== null && typeof v !== "boolean") throw fieldError(message, flag, "a boolean");
  }
  const rtmpUrl = payload.rtmpUrl;
  if (rtmpUrl !== undefined && rtmpUrl !== null && typeof rtmpUrl !== "string") throw fieldError(message, "rtmpUrl", "a string");
  const provider = payload.mediaProvider;
  if (provider !== undefined && provider !== null && typeof provider !== "string") throw fieldError(message, "mediaProvider", "a string");
  return {
    mediaSessionId: typeof id === "string" ? id : "",
    name,
    ...(typeof sdp === "string" ? { sdp } : {}),
    hasVideo: payload.hasVideo !== false,
    hasAudio: payload.hasAudio !== false,
    record: payload.record === true,
    mediaProvider: typeof provider === "string" ? provider : "WebRTC",
    ...(typeof rtmpUrl === "string" && rtmpUrl !== "" ? { rtmpUrl } : {}),
    ...(isRecord(payload.custom) ? { custom: payload.custom } : {}),
  };
}

/** The `connection` payload (1.3); unknown fields are kept to be echoed in getUserData. */
export interface ConnectionRequest {
  readonly appKey: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** `custom.login` / `custom.password` (the Web SDK's way to pass credentials); never echoed */
  readonly login?: string;
  readonly password?: string;
  /** `custom.token`: an access token from /rest-api/auth/token (or whatever the connect hook checks) */
  readonly token?: string;
}

/** Fields of `connection` never echoed back (secrets). */
const SECRET_FIELDS = new Set(["sipPassword", "authToken"]);

export function decodeConnection(payload: unknown): ConnectionRequest {
  if (payload === null || payload === undefined) return { appKey: "defaultApp", fields: {} };
  if (!isRecord(payload)) throw new ParseError(SIGNALING_ERR.FIELD, "connection: payload must be an object");
  const appKey = payload.appKey;
  if (appKey !== undefined && appKey !== null && typeof appKey !== "string") throw fieldError("connection", "appKey", "a string");
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(payload).filter(([k]) => !SECRET_FIELDS.has(k)));
  const custom = isRecord(payload.custom) ? payload.custom : {};
  const login = typeof custom.login === "string" ? custom.login : undefined;
  const password = typeof custom.password === "string" ? custom.password : undefined;
  const token = typeof custom.token === "string" ? custom.token : undefined;
  if (password !== undefined) fields.custom = Object.fromEntries(Object.entries(custom).filter(([k]) => k !== "password"));
  return {
    appKey: typeof appKey === "string" && appKey !== "" ? appKey : "defaultApp",
    fields,
    ...(login !== undefined ? { login } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

/** The stream object of notifyStreamStatusEvent (1.5): the request echoed with status and info. */
export function streamStatusEvent(request: StreamRequest, published: boolean, status: StreamStatus, info: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    mediaSessionId: request.mediaSessionId,
    name: request.name,
    published,
    hasVideo: request.hasVideo,
    hasAudio: request.hasAudio,
    status,
    info,
    record: request.record,
    mediaProvider: request.mediaProvider,
    audioState: { muted: false },
    videoState: { muted: false },
    ...(request.rtmpUrl !== undefined ? { rtmpUrl: request.rtmpUrl } : {}),
    ...(request.custom !== undefined ? { custom: request.custom } : {}),
    ...extra,
  };
}
