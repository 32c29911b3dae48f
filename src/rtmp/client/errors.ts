import { TranspondError } from "../../errors.ts";

/**
 * A failed publish attempt. `retry` tells whether trying again may help (network trouble, a name
 * still held by our previous connection) or not (authentication failed, publish rejected).
 */
export class RtmpPublishError extends TranspondError {
  readonly retry: boolean;
  constructor(code: string, message: string, retry: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retry = retry;
  }
}

export const PUBLISH_ERR = {
  CONNECT: "ERR_RTMP_CONNECT",
  CONNECT_REJECTED: "ERR_RTMP_CONNECT_REJECTED",
  AUTH_FAILED: "ERR_RTMP_AUTH_FAILED",
  PUBLISH_REJECTED: "ERR_RTMP_PUBLISH_REJECTED",
  /** closed after `publish` with no NetStream.Publish status: how nginx-rtmp refuses (on_publish 403) */
  CLOSED_ON_PUBLISH: "ERR_RTMP_CLOSED_ON_PUBLISH",
  TIMEOUT: "ERR_RTMP_TIMEOUT",
} as const;
