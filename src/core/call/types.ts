/**
 * The data of a REST-driven SIP call (WCS `/call/*`, wcs-protocol.md 2.4 and 4.1): what
 * `/call/startup` asks for, the statuses, and the errors the registry raises with the REST status
 * they map to.
 */
import type { RtmpAudioCodec } from "../../config-keys.ts";
import { CoreError } from "../errors.ts";

export type CallStatus = "NEW" | "TRYING" | "RING" | "SESSION_PROGRESS" | "ESTABLISHED" | "HOLD" | "BUSY" | "FAILED" | "FINISH";

export const FINAL_CALL_STATUSES: readonly CallStatus[] = ["BUSY", "FAILED", "FINISH"];

export type RtmpStreamStatus = "RTMP_STREAM_WAIT" | "RTMP_STREAM_ACTIVE" | "RTMP_CONNECTION_LOST" | "RTMP_CONNECTION_FAILED";

/** WCS call `info` texts (wcs-protocol.md 4.1). */
export const CALL_INFO = {
  NORMAL: "Normal call clearing",
  RTP_ACTIVITY: "Failed by RTP activity",
  SESSION_CREATION: "Failed by session creation",
  REQUEST_TIMEOUT: "Failed by request timeout",
  RTMP_WRITER: "Failed by RTMP writer error",
  ERROR: "Failed by error",
  NO_COMMON_CODECS: "No common codecs",
} as const;

export type DtmfType = "RFC2833" | "INFO";

/** `/call/startup` after validation. */
export interface CallRequest {
  readonly callId: string;
  readonly callee: string;
  readonly toStream?: string;
  readonly rtmpUrl?: string;
  readonly rtmpStream?: string;
  /** audio codec of the rtmpUrl republish (default: the setting rtmp_transponder_audio_codec) */
  readonly rtmpTransponderAudioCodec?: RtmpAudioCodec;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly sipLogin: string;
  readonly sipAuthenticationName?: string;
  /** never returned, never logged */
  readonly sipPassword?: string;
  readonly sipDomain: string;
  readonly sipOutboundProxy?: string;
  readonly sipPort: number;
  readonly sipTransport: "UDP" | "TCP";
  readonly sipRegisterRequired: boolean;
  readonly appKey?: string;
  readonly visibleName?: string;
}

/** A call request core refused (rest/errors.ts answers it with the status of its code). */
export class CallError extends CoreError {}
