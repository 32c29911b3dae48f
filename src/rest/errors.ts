/**
 * The REST layer's errors and the one map from error codes to HTTP statuses: the REST layer's own
 * codes, core's (a job registry refuses with CORE_ERR codes, which say nothing about HTTP) and the
 * WHIP/WHEP sessions' of the agent. An
 * error whose code is not here is a bug: the router logs it and answers 500.
 */
import { MEDIA_ERR, WHIP_ERR } from "../agent/errors.ts";
import { CORE_ERR } from "../core/errors.ts";
import { TranspondError } from "../errors.ts";

export const REST_ERR = {
  /** a field, the body or the path is not valid (the message names the field) */
  BAD_REQUEST: "ERR_REST_BAD_REQUEST",
  UNAUTHORIZED: "ERR_REST_UNAUTHORIZED",
  /** loopback only without REST users, or no cluster secret */
  FORBIDDEN: "ERR_REST_FORBIDDEN",
  NOT_FOUND: "ERR_REST_NOT_FOUND",
  METHOD_NOT_ALLOWED: "ERR_REST_METHOD_NOT_ALLOWED",
  BODY_TOO_LARGE: "ERR_REST_BODY_TOO_LARGE",
  /** a WHIP/WHEP offer that is not application/sdp */
  UNSUPPORTED_MEDIA_TYPE: "ERR_REST_UNSUPPORTED_MEDIA_TYPE",
  /** a client address is slowed down after failed logins */
  TOO_MANY_LOGINS: "ERR_REST_TOO_MANY_LOGINS",
  /** another node of the cluster answered with an error status */
  NODE_ANSWER: "ERR_REST_NODE_ANSWER",
  /** Redis is away: an object not on this node may be on a node it cannot find */
  CLUSTER_DEGRADED: "ERR_REST_CLUSTER_DEGRADED",
  INTERNAL: "ERR_REST_INTERNAL",
} as const;

export type RestErrorCode = (typeof REST_ERR)[keyof typeof REST_ERR];

const HTTP_STATUS: ReadonlyMap<string, number> = new Map([
  [REST_ERR.BAD_REQUEST, 400],
  [REST_ERR.UNAUTHORIZED, 401],
  [REST_ERR.FORBIDDEN, 403],
  [REST_ERR.NOT_FOUND, 404],
  [REST_ERR.METHOD_NOT_ALLOWED, 405],
  [REST_ERR.BODY_TOO_LARGE, 413],
  [REST_ERR.UNSUPPORTED_MEDIA_TYPE, 415],
  [REST_ERR.TOO_MANY_LOGINS, 429],
  [REST_ERR.INTERNAL, 500],
  [REST_ERR.CLUSTER_DEGRADED, 503],
  [CORE_ERR.INVALID, 400],
  [CORE_ERR.STREAM_NAME, 400],
  [CORE_ERR.REFUSED, 403],
  [CORE_ERR.NOT_FOUND, 404],
  [CORE_ERR.CONFLICT, 409],
  [CORE_ERR.STREAM_NAME_IN_USE, 409],
  [CORE_ERR.LIMIT, 429],
  [WHIP_ERR.NAME_IN_USE, 409],
  [WHIP_ERR.STREAM_NOT_FOUND, 404],
  [WHIP_ERR.TOO_MANY, 503],
  [WHIP_ERR.REFUSED, 403],
  [MEDIA_ERR.BAD_SDP, 400],
  [MEDIA_ERR.NO_COMMON_CODECS, 400],
  [MEDIA_ERR.PEER, 503],
]);

export class RestError extends TranspondError {
  declare readonly code: RestErrorCode;
  constructor(code: RestErrorCode, message: string) {
    super(code, message);
  }
}

/** Another node's error answer, passed on with its status. */
export class NodeAnswerError extends RestError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(REST_ERR.NODE_ANSWER, message);
    this.status = status;
  }
}

/** The status to answer `err` with, or undefined when it is a bug (the router logs it and answers 500). */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof NodeAnswerError) return err.status;
  return err instanceof TranspondError ? HTTP_STATUS.get(err.code) : undefined;
}
