/**
 * Encodes a message: start line, one line per header field (long names), Content-Length always
 * set from the body (RFC 3261 18.3 requires it over streams; we send it everywhere), CRLF, body.
 */
import { SIP_VERSION, type SipMessage } from "../messages.ts";

const encoder = new TextEncoder();

export function encodeSipHead(message: SipMessage): string {
  let out = message.type === "request" ? `${message.method} ${message.uri} ${SIP_VERSION}\r\n` : `${SIP_VERSION} ${message.status} ${message.reason}\r\n`;
  for (const h of message.headers) {
    if (h.name.toLowerCase() === "content-length") continue;
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
