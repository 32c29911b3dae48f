/**
 * Encodes a message: start line, one line per header field (long names), Content-Length always
 * set from the body (RFC 3261 18.3 requires it over streams; we send it everywhere), CRLF, body.
 * A start-line part or header holding CR, LF, NUL or another control character is refused (a
 * value from a user must never add a header line or split the request line); HTAB stays legal
 * inside header values (RFC 3261 25.1 LWS).
 */

import { SIP_ERR, SipError } from "../errors.ts";
import { SIP_VERSION, type SipMessage } from "../messages.ts";
import { CONTROL_BUT_TAB, CONTROL_CHARACTER as CONTROL } from "./headers.ts";

const encoder = new TextEncoder();

export function encodeSipHead(message: SipMessage): string {
  let out: string;
  if (message.type === "request") {
    refuseControl("method", message.method, CONTROL);
    refuseControl("Request-URI", message.uri, CONTROL);
    out = `${message.method} ${message.uri} ${SIP_VERSION}\r\n`;
  } else {
    refuseControl("reason phrase", message.reason, CONTROL_BUT_TAB);
    out = `${SIP_VERSION} ${message.status} ${message.reason}\r\n`;
  }
  for (const h of message.headers) {
    if (h.name.toLowerCase() === "content-length") continue;
    refuseControl("header name", h.name, CONTROL);
    refuseControl(`${h.name} header`, h.value, CONTROL_BUT_TAB);
    out += `${h.name}: ${h.value}\r\n`;
  }
  out += `Content-Length: ${message.body.length}\r\n\r\n`;
  return out;
}

export function encodeSipMessage(message: SipMessage): Uint8Array {
  const head = encoder.encode(encodeSipHead(message));
  if (message.body.length === 0) return head;
  const out = new Uint8Array(head.length + message.body.length);
  out.set(head, 0);
  out.set(message.body, head.length);
  return out;
}

function refuseControl(what: string, text: string, pattern: RegExp): void {
  if (pattern.test(text)) throw new SipError(SIP_ERR.ENCODE, `${what} holds a control character (CR, LF, NUL, ...); not sent`);
}
