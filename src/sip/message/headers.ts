/**
 * The header multimap: names (compact forms RFC 3261 7.3.3, canonical case), comma-separated lists
 * split outside quotes and angle brackets (7.3.1), and lookups over a message's ordered fields.
 */
import type { SipHeader, SipMessage } from "../messages.ts";

/** Compact form -> long form (RFC 3261 20, RFC 3515, RFC 3841, RFC 4028). */
/** Control characters (RFC 3261 25.1 allows none in a start line; HTAB only as LWS in headers). */
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;
export const CONTROL_BUT_TAB = /[\x00-\x08\x0a-\x1f\x7f]/;

export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: "Accept-Contact",
  b: "Referred-By",
  c: "Content-Type",
  d: "Request-Disposition",
  e: "Content-Encoding",
  f: "From",
  i: "Call-ID",
  j: "Reject-Contact",
  k: "Supported",
  l: "Content-Length",
  m: "Contact",
  o: "Event",
  r: "Refer-To",
  s: "Subject",
  t: "To",
  u: "Allow-Events",
  v: "Via",
  x: "Session-Expires",
  y: "Identity",
};

const CANONICAL = new Map<string, string>(
  [
    "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Route", "Record-Route", "Content-Type",
    "Content-Length", "Content-Encoding", "Content-Disposition", "Allow", "Supported", "Require", "Proxy-Require",
    "Unsupported", "Expires", "Min-Expires", "User-Agent", "Server", "WWW-Authenticate", "Authorization",
    "Proxy-Authenticate", "Proxy-Authorization", "Authentication-Info", "Accept", "Accept-Encoding", "Accept-Language",
    "Allow-Events", "Subject", "Event", "Date", "Timestamp", "Organization", "Priority", "Retry-After", "Warning",
    "Session-Expires", "Min-SE", "P-Asserted-Identity", "Reason", "RSeq", "RAck", "Refer-To", "Referred-By",
  ].map((n) => [n.toLowerCase(), n]),
);

/** Headers whose values are comma-separated lists (RFC 3261 7.3.1); split into one field each. */
const LIST_HEADERS = new Set([
  "via", "route", "record-route", "contact", "allow", "supported", "require", "proxy-require", "unsupported",
  "accept", "accept-encoding", "accept-language", "allow-events", "content-encoding", "content-language", "in-reply-to",
]);

/** `v` -> `Via`, `call-id` -> `Call-ID`; unknown names keep their spelling. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT_FORMS[lower] ?? name;
  return CANONICAL.get(lower) ?? name;
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(name.toLowerCase());
}

/**
 * Splits `a, "b,c" <sip:d,e>;x=1, f` at commas that are not inside a quoted string or angle
 * brackets. Returns trimmed, non-empty parts. An unterminated quote keeps the rest as one part.
 */
export function splitHeaderValues(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "<") depth++;
    else if (ch === ">" && depth > 0) depth--;
    else if (ch === "," && depth === 0) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** Every value of `name` in message order (compact or long form, any case). */
export function headerValues(message: { readonly headers: readonly SipHeader[] }, name: string): string[] {
  const wanted = canonicalHeaderName(name).toLowerCase();
  return message.headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
}

/** The first value of `name`, or undefined. */
export function headerValue(message: { readonly headers: readonly SipHeader[] }, name: string): string | undefined {
  const wanted = canonicalHeaderName(name).toLowerCase();
  return message.headers.find((h) => h.name.toLowerCase() === wanted)?.value;
}

/** A copy of `message` with every field named `name` replaced by `values` at the first one's place. */
export function replaceHeader<M extends SipMessage>(message: M, name: string, values: readonly string[]): M {
  const canonical = canonicalHeaderName(name);
  const lower = canonical.toLowerCase();
  const headers: SipHeader[] = [];
  let placed = false;
  for (const h of message.headers) {
    if (h.name.toLowerCase() !== lower) headers.push(h);
    else if (!placed) {
      placed = true;
      for (const v of values) headers.push({ name: canonical, value: v });
    }
  }
  if (!placed) for (const v of values) headers.push({ name: canonical, value: v });
  return { ...message, headers };
}
