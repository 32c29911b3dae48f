import { RtmpError } from "../errors.ts";

/**
 * A failed attempt of an RTMP client. `retry` tells whether trying again may help (network trouble,
 * a name still held by our previous connection, a stream not published yet) or not (authentication
 * failed, publish rejected).
 */
export class RtmpClientError extends RtmpError {
  readonly retry: boolean;
  constructor(code: string, message: string, retry: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retry = retry;
  }
}

/** A failed publish attempt (RtmpPublisher). */
export class RtmpPublishError extends RtmpClientError {}

/** A failed play attempt (RtmpPlayer). */
export class RtmpPlayError extends RtmpClientError {}

export const PUBLISH_ERR = {
  CONNECT: "ERR_RTMP_CONNECT",
  CONNECT_REJECTED: "ERR_RTMP_CONNECT_REJECTED",
  AUTH_FAILED: "ERR_RTMP_AUTH_FAILED",
  PUBLISH_REJECTED: "ERR_RTMP_PUBLISH_REJECTED",
  /** closed after `publish` with no NetStream.Publish status: how nginx-rtmp refuses (on_publish 403) */
  CLOSED_ON_PUBLISH: "ERR_RTMP_CLOSED_ON_PUBLISH",
  TIMEOUT: "ERR_RTMP_TIMEOUT",
  /** the connection ended while publishing; the message is the reason (publishFlvFile) */
  CLOSED: "ERR_RTMP_CLOSED",
  /** a file to publish that is no FLV or holds no media (inspectFlvFile) */
  FILE: "ERR_RTMP_PUBLISH_FILE",
} as const;

/** A player fails to connect, or times out, as a publisher does: those codes are PUBLISH_ERR's. */
export const PLAY_ERR = {
  CONNECT: PUBLISH_ERR.CONNECT,
  CONNECT_REJECTED: PUBLISH_ERR.CONNECT_REJECTED,
  /** onStatus NetStream.Play.StreamNotFound / Failed, or another error status to play */
  PLAY_REJECTED: "ERR_RTMP_PLAY_REJECTED",
  /** closed after `play` with no NetStream.Play status: how nginx-rtmp refuses (on_play 403) */
  CLOSED_ON_PLAY: "ERR_RTMP_CLOSED_ON_PLAY",
  /** the stream ended, or the connection closed, after Play.Start and before any media came */
  ENDED_BEFORE_MEDIA: "ERR_RTMP_ENDED_BEFORE_MEDIA",
  TIMEOUT: PUBLISH_ERR.TIMEOUT,
} as const;
