/**
 * The frames the agent client sends, built as `@flashphoner/websdk` 2.0 builds them in a browser
 * (reference/wcs-protocol.md 1.3-1.8; fixtures/wcs_signaling_websdk-*.json is a recording): the
 * same message names, the same keys in the same order, the same value types. Where the SDK fills
 * in browser facts (user agent, devices, tracks) the agent says what it is instead.
 *
 * And the decoding of the server frames the client follows: getUserData, ping, setRemoteSDP,
 * notifyStreamStatusEvent, fail.
 */
import { ParseError } from "../../errors.ts";
import { CLIENT_MESSAGE, SERVER_MESSAGE } from "../signaling/messages.ts";
import { MAX_FRAME_CHARS } from "../signaling/limits.ts";
import { AGENT_ERR } from "../errors.ts";

const AGENT_VERSION = `Transpond agent (Node.js ${process.versions.node})`;

export function encodeClientFrame(message: string, payload: unknown): string {
  return JSON.stringify({ message, data: [payload] });
}

/** `connection`: the SDK's fields in its order (no sip*, no authToken on a first connect). */
export function connectionPayload(appKey: string): Record<string, unknown> {
  return {
    appKey,
    mediaProviders: ["WebRTC"],
    clientVersion: "2.0",
    clientOSVersion: `${process.platform} ${process.arch}`,
    clientBrowserVersion: AGENT_VERSION,
    msePacketizationVersion: 2,
    clientInfo: {},
  };
}

export const PONG_FRAME = encodeClientFrame(CLIENT_MESSAGE.PONG, null);

/** What a stream request says about the stream. */
export interface AgentStream {
  readonly mediaSessionId: string;
  readonly name: string;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
}

/** A track the agent sends, described as the SDK describes a device and its track. */
export interface AgentTrack {
  readonly kind: "video" | "audio";
  readonly trackId: string;
}

const DEVICE_LABEL = encodeURIComponent("Transpond relay");

/** `publishStream` as the SDK sends it for a WebRTC publish. */
export function publishStreamPayload(stream: AgentStream, sdp: string, size: { width: number; height: number }, tracks: readonly AgentTrack[]): Record<string, unknown> {
  const of = (kind: "video" | "audio") => tracks.filter((t) => t.kind === kind);
  const device = (kind: "video" | "audio") => ({ id: `transpond-${kind}`, label: DEVICE_LABEL, type: kind === "video" ? "camera" : "mic" });
  return {
    ...statusFields(stream, true, "PENDING"),
    mediaProvider: "WebRTC",
    sdp,
    bitrate: 0,
    minBitrate: 0,
    maxBitrate: 0,
    constraints: { audio: stream.hasAudio, video: { width: size.width, height: size.height } },
    localMediaInfo: {
      devices: { video: of("video").map(() => device("video")), audio: of("audio").map(() => device("audio")) },
      tracks: {
        video: of("video").map((t) => ({ trackId: t.trackId, device: DEVICE_LABEL })),
        audio: of("audio").map((t) => ({ trackId: t.trackId, device: DEVICE_LABEL })),
      },
    },
  };
}

/** `playStream` as the SDK sends it for a WebRTC play. */
export function playStreamPayload(stream: AgentStream, sdp: string): Record<string, unknown> {
  return {
    ...statusFields(stream, false, "PENDING"),
    width: 0,
    height: 0,
    mediaProvider: "WebRTC",
    sdp,
    bitrate: 0,
    minBitrate: 0,
    maxBitrate: 0,
    quality: 0,
  };
}

/** `unPublishStream` / `stopStream`: the stream object with its current status. */
export function stopPayload(stream: AgentStream, published: boolean, status: string): Record<string, unknown> {
  return statusFields(stream, published, status);
}

function statusFields(stream: AgentStream, published: boolean, status: string): Record<string, unknown> {
  return { mediaSessionId: stream.mediaSessionId, name: stream.name, published, hasVideo: stream.hasVideo, hasAudio: stream.hasAudio, status, record: false };
}

/** The server frames the client acts on. */
export type ServerFrame =
  | { readonly type: "getUserData"; readonly userData: Readonly<Record<string, unknown>> }
  | { readonly type: "ping" }
  | { readonly type: "setRemoteSDP"; readonly id: string; readonly sdp: string }
  | { readonly type: "status"; readonly id: string; readonly status: string; readonly info: string }
  | { readonly type: "fail"; readonly id: string | undefined; readonly info: string }
  | { readonly type: "other"; readonly message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** Decodes a server text frame. Throws ParseError AGENT_ERR.FRAME. */
export function decodeServerFrame(raw: string): ServerFrame {
  if (raw.length > MAX_FRAME_CHARS) throw new ParseError(AGENT_ERR.FRAME, `server frame of ${raw.length} characters is over the ${MAX_FRAME_CHARS} limit`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ParseError(AGENT_ERR.FRAME, "server frame is not JSON", -1, { cause: err });
  }
  if (!isRecord(value) || typeof value.message !== "string") throw new ParseError(AGENT_ERR.FRAME, "server frame has no `message` string");
  const data = Array.isArray(value.data) ? value.data : [];
  const first = data[0];
  switch (value.message) {
    case SERVER_MESSAGE.GET_USER_DATA:
      return { type: "getUserData", userData: isRecord(first) ? first : {} };
    case SERVER_MESSAGE.PING:
      return { type: "ping" };
    case SERVER_MESSAGE.SET_REMOTE_SDP:
      if (typeof first !== "string" || typeof data[1] !== "string") throw new ParseError(AGENT_ERR.FRAME, "setRemoteSDP must carry [mediaSessionId, sdp]");
      return { type: "setRemoteSDP", id: first, sdp: data[1] };
    case SERVER_MESSAGE.NOTIFY_STREAM_STATUS_EVENT:
      if (!isRecord(first)) throw new ParseError(AGENT_ERR.FRAME, "notifyStreamStatusEvent must carry a stream object");
      return { type: "status", id: text(first.mediaSessionId), status: text(first.status), info: text(first.info) };
    case SERVER_MESSAGE.FAIL: {
      const f = isRecord(first) ? first : {};
      return { type: "fail", id: typeof f.id === "string" ? f.id : undefined, info: text(f.info) || text(f.code) || "failed" };
    }
    default:
      return { type: "other", message: value.message };
  }
}
