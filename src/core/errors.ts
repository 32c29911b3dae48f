/**
 * Why core refused a request or failed a job. The codes say what went wrong, not how to answer it:
 * rest/errors.ts maps each one to its HTTP status, in one place.
 */
import { TranspondError } from "../errors.ts";

export const CORE_ERR = {
  /** a field of the request is missing or not valid (the message names it) */
  INVALID: "ERR_INVALID_REQUEST",
  /** the operator's settings refuse the destination (outbound policy) */
  REFUSED: "ERR_REFUSED",
  /** no stream, job or file by that name or id */
  NOT_FOUND: "ERR_NOT_FOUND",
  /** the request clashes with a job or stream that exists, or the job is in the wrong state */
  CONFLICT: "ERR_CONFLICT",
  /** a max_* limit of the configuration is reached */
  LIMIT: "ERR_LIMIT_REACHED",
  /** a stream of that name is published already */
  STREAM_NAME_IN_USE: "ERR_STREAM_NAME_IN_USE",
  /** a name no stream may have */
  STREAM_NAME: "ERR_STREAM_NAME",
  /** a call's SIP host has no address */
  CALL_RESOLVE: "ERR_CALL_RESOLVE",
  /** no local address routes to a call's SIP host */
  CALL_ROUTE: "ERR_CALL_ROUTE",
} as const;

export type CoreErrorCode = (typeof CORE_ERR)[keyof typeof CORE_ERR];

/** The error base of core; the job registries' errors (PushError, CallError, RelayError) extend it. */
export class CoreError extends TranspondError {
  declare readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
