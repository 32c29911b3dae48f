/**
 * Every SIP message shape (RFC 3261 7): requests and responses as readonly plain data, the methods
 * this stack speaks, and the reason phrases of the statuses it sends.
 *
 *   Request  = Method SP Request-URI SP SIP-Version CRLF *(message-header) CRLF [ message-body ]
 *   Response = SIP-Version SP Status-Code SP Reason-Phrase CRLF *(message-header) CRLF [ message-body ]
 */

/** One header field value. `name` is the long canonical form (compact `v` -> `Via`). */
export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

export interface SipRequest {
  readonly type: "request";
  readonly method: string;
  readonly uri: string;
  readonly headers: readonly SipHeader[];
  readonly body: Uint8Array;
}

export interface SipResponse {
  readonly type: "response";
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly SipHeader[];
  readonly body: Uint8Array;
}

export type SipMessage = SipRequest | SipResponse;

export const SIP_VERSION = "SIP/2.0";

export const METHODS = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"] as const;

/** Methods this user agent answers (the Allow header of OPTIONS and 405). */
export const ALLOWED_METHODS = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "UPDATE"] as const;

export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  183: "Session Progress",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  500: "Server Internal Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "Version Not Supported",
  600: "Busy Everywhere",
  603: "Decline",
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? "Progress" : status < 300 ? "OK" : "Failure");
}
