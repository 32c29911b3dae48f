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
  TIMEOUT: "ERR_RTMP_TIMEOUT",
} as const;
