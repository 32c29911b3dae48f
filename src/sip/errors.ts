/**
 * SIP error codes and what each one answers on the wire. Parse errors use the project's
 * `ParseError` with one of the `SIP_PARSE_ERR` codes; a request that fails to parse gets the status
 * `statusForParseError` gives (RFC 3261 16.3/18.3: 400 with a reason, 505 for a version, 413 for a body),
 * a response that fails to parse is dropped.
 */
import { TranspondError } from "../errors.ts";

export const SIP_PARSE_ERR = {
  EMPTY: "ERR_SIP_EMPTY",
  START_LINE: "ERR_SIP_START_LINE",
  METHOD: "ERR_SIP_METHOD",
  REQUEST_URI: "ERR_SIP_REQUEST_URI",
  VERSION: "ERR_SIP_VERSION",
  STATUS: "ERR_SIP_STATUS",
  HEADER_LINE: "ERR_SIP_HEADER_LINE",
  HEADER_NAME: "ERR_SIP_HEADER_NAME",
  TOO_MANY_HEADERS: "ERR_SIP_TOO_MANY_HEADERS",
  HEADERS_TOO_LARGE: "ERR_SIP_HEADERS_TOO_LARGE",
  NO_HEADER_END: "ERR_SIP_NO_HEADER_END",
  BODY_TOO_LARGE: "ERR_SIP_BODY_TOO_LARGE",
  CONTENT_LENGTH: "ERR_SIP_CONTENT_LENGTH",
  MISSING_HEADER: "ERR_SIP_MISSING_HEADER",
  DUPLICATE_HEADER: "ERR_SIP_DUPLICATE_HEADER",
  CSEQ: "ERR_SIP_CSEQ",
  VIA: "ERR_SIP_VIA",
  URI: "ERR_SIP_URI",
  NAME_ADDR: "ERR_SIP_NAME_ADDR",
  MAX_FORWARDS: "ERR_SIP_MAX_FORWARDS",
  EXPIRES: "ERR_SIP_EXPIRES",
  CHALLENGE: "ERR_SIP_CHALLENGE",
  CONTENT_TYPE: "ERR_SIP_CONTENT_TYPE",
  /** an INFO body of type application/media_control+xml that cannot be read */
  MEDIA_CONTROL: "ERR_MEDIA_CONTROL_XML",
  /** an INFO body of type application/dtmf-relay that cannot be read */
  DTMF_RELAY: "ERR_DTMF_RELAY",
} as const;
export type SipParseCode = (typeof SIP_PARSE_ERR)[keyof typeof SIP_PARSE_ERR];

/** The status a UAS answers a request with when parsing failed with `code`. */
export function statusForParseError(code: string): { status: number; reason: string } {
  switch (code) {
    case SIP_PARSE_ERR.VERSION:
      return { status: 505, reason: "Version Not Supported" };
    case SIP_PARSE_ERR.BODY_TOO_LARGE:
      return { status: 413, reason: "Request Entity Too Large" };
    case SIP_PARSE_ERR.HEADERS_TOO_LARGE:
    case SIP_PARSE_ERR.TOO_MANY_HEADERS:
      return { status: 400, reason: "Bad Request - Headers Too Large" };
    case SIP_PARSE_ERR.REQUEST_URI:
      return { status: 400, reason: "Bad Request - Bad Request-URI" };
    default:
      return { status: 400, reason: "Bad Request" };
  }
}

/** The base of the SIP layer's errors that are not a message that failed to parse (ParseError). */
export class SipError extends TranspondError {}

/** A request ended with a final non-2xx status (3xx-6xx); `status` and `reason` are the peer's. */
export class SipStatusError extends SipError {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, method: string) {
    super(status >= 600 ? SIP_ERR.GLOBAL_FAILURE : status >= 500 ? SIP_ERR.SERVER_FAILURE : status >= 400 ? SIP_ERR.CLIENT_FAILURE : SIP_ERR.REDIRECT, `${method} answered ${status} ${reason}`);
    this.status = status;
    this.reason = reason;
  }
}

/** Stable codes of failures that are not a peer's status. */
export const SIP_ERR = {
  /** Timer B or F fired: no final response (RFC 3261 17.1.1.2, 17.1.2.2); maps to 408. */
  TIMEOUT: "ERR_SIP_TIMEOUT",
  /** The transport could not send (RFC 3261 17.1.4); maps to 503. */
  TRANSPORT: "ERR_SIP_TRANSPORT",
  /** Credentials were asked for and none were given, or the same challenge came back. */
  AUTH: "ERR_SIP_AUTH",
  /** The call or registration was ended locally before it completed. */
  CANCELLED: "ERR_SIP_CANCELLED",
  /** A message to send holds a control character in its start line or a header (injection). */
  ENCODE: "ERR_SIP_ENCODE",
  /** The configured shared SIP port cannot be opened. */
  PORT: "ERR_SIP_PORT",
  /** A 2xx to INVITE without a To tag: no dialog can be made. */
  DIALOG: "ERR_SIP_DIALOG",
  /** A registration failed on something that is not a TranspondError. */
  REGISTER: "ERR_SIP_REGISTER",
  /** A final status, by class: 3xx, 4xx, 5xx, 6xx (SipStatusError). */
  REDIRECT: "ERR_SIP_REDIRECT",
  CLIENT_FAILURE: "ERR_SIP_CLIENT_FAILURE",
  SERVER_FAILURE: "ERR_SIP_SERVER_FAILURE",
  GLOBAL_FAILURE: "ERR_SIP_GLOBAL_FAILURE",
} as const;

export class SipTimeoutError extends SipError {
  readonly status = 408;
  constructor(method: string, ms: number) {
    super(SIP_ERR.TIMEOUT, `${method}: no final response within ${ms} ms`);
  }
}
