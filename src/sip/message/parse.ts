/**
 * SIP message framing (RFC 3261 7): start line, header fields (folded lines 7.3.1, compact forms
 * 7.3.3, comma lists 7.3.1), blank line, body. `decodeSipHead` reads the part before the body;
 * `decodeSipMessage` decodes one datagram (18.3: the body ends at Content-Length, extra bytes are
 * discarded, fewer bytes are an error) and checks it with `validateSipMessage`.
 *
 * Leading CRLFs are ignored (7.5). Bare LF line ends are accepted as well as CRLF.
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { SIP_VERSION, type SipHeader, type SipMessage } from "../messages.ts";
import { isAbsoluteUri } from "../headers/uri.ts";
import { canonicalHeaderName, CONTROL_BUT_TAB, isListHeader, splitHeaderValues } from "./headers.ts";
import { DEFAULT_SIP_LIMITS, type SipLimits } from "./limits.ts";
import { validateSipMessage } from "./validate.ts";

export interface SipHead {
  readonly start: { readonly type: "request"; readonly method: string; readonly uri: string } | { readonly type: "response"; readonly status: number; readonly reason: string };
  readonly headers: readonly SipHeader[];
  /** Offset of the first body byte in the input. */
  readonly bodyOffset: number;
}

const METHOD = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const decoder = new TextDecoder("utf-8");

/** Skips leading CR/LF bytes (RFC 3261 7.5). */
export function skipLeadingCrlf(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  return i;
}

/**
 * Finds the end of the header block starting at `from`: returns the offset of the first body byte,
 * or -1 when the blank line has not arrived yet.
 */
export function findHeaderEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    if (bytes[i + 1] === 0x0a) return i + 2;
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function parseStartLine(line: string): SipHead["start"] {
  if (line.startsWith("SIP/") || line.startsWith("sip/")) {
    const m = /^([^ ]+) ([^ ]+)(?: (.*))?$/.exec(line);
    if (!m) throw new ParseError(SIP_PARSE_ERR.START_LINE, `bad status line '${line.slice(0, 60)}'`, 0);
    checkVersion(m[1]);
    if (!/^[1-6]\d\d$/.test(m[2])) throw new ParseError(SIP_PARSE_ERR.STATUS, `bad status code '${m[2].slice(0, 20)}'`, m[1].length + 1);
    if (CONTROL_BUT_TAB.test(m[3] ?? "")) throw new ParseError(SIP_PARSE_ERR.START_LINE, "control character in the reason phrase", 0);
    return { type: "response", status: Number(m[2]), reason: m[3] ?? "" };
  }
  const parts = line.split(" ");
  if (parts.length !== 3 || parts.some((p) => p === "")) {
    throw new ParseError(SIP_PARSE_ERR.START_LINE, `request line must be 'Method SP Request-URI SP SIP-Version': '${line.slice(0, 60)}'`, 0);
  }
  const [method, uri, version] = parts;
  if (!METHOD.test(method)) throw new ParseError(SIP_PARSE_ERR.METHOD, `bad method '${method.slice(0, 20)}'`, 0);
  checkVersion(version);
  if (!isAbsoluteUri(uri)) throw new ParseError(SIP_PARSE_ERR.REQUEST_URI, `bad Request-URI '${uri.slice(0, 60)}'`, method.length + 1);
  if (/^sips?:/i.test(uri) && uri.includes("?")) throw new ParseError(SIP_PARSE_ERR.REQUEST_URI, "a SIP Request-URI may not carry headers (RFC 3261 19.1.5)", method.length + 1);
  return { type: "request", method, uri };
}

function checkVersion(version: string): void {
  if (version.toUpperCase() === SIP_VERSION) return;
  if (/^SIP\/\d+\.\d+$/i.test(version)) throw new ParseError(SIP_PARSE_ERR.VERSION, `unsupported version '${version}'`, 0);
  throw new ParseError(SIP_PARSE_ERR.START_LINE, `bad SIP-Version '${version.slice(0, 20)}'`, 0);
}

/**
 * Decodes the start line and headers of `bytes[from..]`. Throws ParseError(NO_HEADER_END) when the
 * blank line is missing; the stream parser checks for it first.
 */
export function decodeSipHead(bytes: Uint8Array, from = 0, limits: SipLimits = DEFAULT_SIP_LIMITS): SipHead {
  const start = skipLeadingCrlf(bytes, from);
  if (start >= bytes.length) throw new ParseError(SIP_PARSE_ERR.EMPTY, "no message (only CRLF)", start);
  const end = findHeaderEnd(bytes, start);
  if (end < 0) {
    if (bytes.length - start > limits.maxHeaderBytes) throw new ParseError(SIP_PARSE_ERR.HEADERS_TOO_LARGE, `header block longer than ${limits.maxHeaderBytes} bytes`, start);
    throw new ParseError(SIP_PARSE_ERR.NO_HEADER_END, "no blank line after the headers", bytes.length);
  }
  if (end - start > limits.maxHeaderBytes) throw new ParseError(SIP_PARSE_ERR.HEADERS_TOO_LARGE, `header block of ${end - start} bytes is over ${limits.maxHeaderBytes}`, start);
  const text = decoder.decode(bytes.subarray(start, end));
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const first = lines.shift() ?? "";
  const startLine = parseStartLine(first);
  // Unfold: a line starting with SP or HT continues the previous one (7.3.1).
  const raw: { line: string; offset: number }[] = [];
  let offset = start + first.length + 2;
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const last = raw[raw.length - 1];
      if (!last) throw new ParseError(SIP_PARSE_ERR.HEADER_LINE, "continuation line before any header", offset);
      last.line = `${last.line.trimEnd()} ${line.trim()}`;
    } else raw.push({ line, offset });
    offset += line.length + 2;
  }
  const headers: SipHeader[] = [];
  for (const { line, offset: at } of raw) {
    const colon = line.indexOf(":");
    if (colon < 0) throw new ParseError(SIP_PARSE_ERR.HEADER_LINE, `header line without ':' '${line.slice(0, 40)}'`, at);
    const name = line.slice(0, colon).trimEnd();
    if (!METHOD.test(name)) throw new ParseError(SIP_PARSE_ERR.HEADER_NAME, `bad header name '${name.slice(0, 40)}'`, at);
    const canonical = canonicalHeaderName(name);
    const value = line.slice(colon + 1).trim();
    if (CONTROL_BUT_TAB.test(value)) throw new ParseError(SIP_PARSE_ERR.HEADER_LINE, `control character in the ${canonical} header`, at);
    const values = isListHeader(canonical) ? splitHeaderValues(value) : [value];
    for (const v of values) headers.push({ name: canonical, value: v });
    if (headers.length > limits.maxHeaders) throw new ParseError(SIP_PARSE_ERR.TOO_MANY_HEADERS, `more than ${limits.maxHeaders} header fields`, at);
  }
  return { start: startLine, headers, bodyOffset: end };
}

/**
 * Best-effort reading of a request that failed to parse, so a UAS can still answer it (RFC 3261
 * 18.3: "a 400 (Bad Request) response" when possible). Takes the method from the first token,
 * keeps the header lines that frame and skips the others. Undefined for responses and for input
 * without a blank line.
 */
export function salvageRequestHead(bytes: Uint8Array, limits: SipLimits = DEFAULT_SIP_LIMITS): { method: string; headers: SipHeader[] } | undefined {
  const start = skipLeadingCrlf(bytes);
  const end = findHeaderEnd(bytes, start);
  if (end < 0 || end - start > limits.maxHeaderBytes) return undefined;
  const lines = decoder.decode(bytes.subarray(start, end)).split(/\r?\n/);
  const method = (lines.shift() ?? "").split(" ")[0];
  if (method === "" || /^SIP\//i.test(method)) return undefined;
  const headers: SipHeader[] = [];
  let last: { name: string; value: string } | undefined;
  for (const line of lines) {
    if (line === "") continue;
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : "";
    if (!METHOD.test(name)) {
      last = undefined;
      continue;
    }
    last = { name: canonicalHeaderName(name), value: line.slice(colon + 1).trim() };
    headers.push(last);
    if (headers.length > limits.maxHeaders) break;
  }
  return { method, headers };
}

export interface DecodeOptions {
  readonly limits?: SipLimits;
  /** Check mandatory and typed headers (default true). */
  readonly validate?: boolean;
}

/** The Content-Length of a head: a non-negative integer within the body limit; undefined when absent. */
export function contentLengthOf(head: Pick<SipHead, "headers">, limits: SipLimits = DEFAULT_SIP_LIMITS): number | undefined {
  const values = head.headers.filter((h) => h.name === "Content-Length");
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new ParseError(SIP_PARSE_ERR.DUPLICATE_HEADER, "more than one Content-Length", 0);
  const text = values[0].value;
  if (!/^\d{1,12}$/.test(text)) throw new ParseError(SIP_PARSE_ERR.CONTENT_LENGTH, `bad Content-Length '${text.slice(0, 20)}'`, 0);
  const n = Number(text);
  if (n > limits.maxBodyBytes) throw new ParseError(SIP_PARSE_ERR.BODY_TOO_LARGE, `Content-Length ${n} is over the limit of ${limits.maxBodyBytes}`, 0);
  return n;
}

/** Builds the message value from a head and its body bytes (the body is a copy, the input stays unchanged). */
export function messageFromHead(head: SipHead, body: Uint8Array): SipMessage {
  const copy = body.slice();
  return head.start.type === "request"
    ? { type: "request", method: head.start.method, uri: head.start.uri, headers: head.headers, body: copy }
    : { type: "response", status: head.start.status, reason: head.start.reason, headers: head.headers, body: copy };
}

/** Decodes one SIP message from a datagram (or any buffer holding exactly one message). */
export function decodeSipMessage(bytes: Uint8Array, options: DecodeOptions = {}): SipMessage {
  const limits = options.limits ?? DEFAULT_SIP_LIMITS;
  const head = decodeSipHead(bytes, 0, limits);
  const available = bytes.length - head.bodyOffset;
  const length = contentLengthOf(head, limits);
  if (length !== undefined && length > available) {
    throw new ParseError(SIP_PARSE_ERR.CONTENT_LENGTH, `Content-Length ${length} is larger than the ${available} body bytes received`, head.bodyOffset);
  }
  if (length === undefined && available > limits.maxBodyBytes) throw new ParseError(SIP_PARSE_ERR.BODY_TOO_LARGE, `body of ${available} bytes is over the limit`, head.bodyOffset);
  const message = messageFromHead(head, bytes.subarray(head.bodyOffset, head.bodyOffset + (length ?? available)));
  if (options.validate !== false) validateSipMessage(message);
  return message;
}
