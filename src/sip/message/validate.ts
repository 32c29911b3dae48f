/**
 * Checks a framed message before a transaction sees it (RFC 3261 8.1.1, 8.2, 16.3): the mandatory
 * headers are there once each, the typed ones decode, the CSeq method matches the request method,
 * and scalar fields are in range (RFC 4475 3.1.2 "scalarlg", "mismatch01", "multi01", "mcl01").
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import type { SipMessage } from "../messages.ts";
import { decodeCSeq } from "../headers/cseq.ts";
import { decodeNameAddr } from "../headers/name-addr.ts";
import { decodeVia } from "../headers/via.ts";
import { decodeContentType } from "../headers/content-type.ts";
import { headerValues } from "./headers.ts";

const SINGLE = ["Call-ID", "CSeq", "From", "To", "Max-Forwards", "Content-Length", "Content-Type", "Expires"];
const REQUIRED = ["Call-ID", "CSeq", "From", "To", "Via"];

export function validateSipMessage(message: SipMessage): void {
  for (const name of REQUIRED) {
    if (headerValues(message, name).length === 0) throw new ParseError(SIP_PARSE_ERR.MISSING_HEADER, `missing ${name} header`, 0);
  }
  for (const name of SINGLE) {
    if (headerValues(message, name).length > 1) throw new ParseError(SIP_PARSE_ERR.DUPLICATE_HEADER, `more than one ${name} header`, 0);
  }
  const cseq = decodeCSeq(headerValues(message, "CSeq")[0]);
  if (message.type === "request") {
    if (cseq.seq >= 2 ** 31) throw new ParseError(SIP_PARSE_ERR.CSEQ, `CSeq ${cseq.seq} is not below 2**31`, 0);
    if (cseq.method !== message.method) throw new ParseError(SIP_PARSE_ERR.CSEQ, `CSeq method ${cseq.method} does not match ${message.method}`, 0);
  }
  if (!headerValues(message, "Call-ID")[0]) throw new ParseError(SIP_PARSE_ERR.MISSING_HEADER, "empty Call-ID", 0);
  decodeNameAddr(headerValues(message, "From")[0]);
  decodeNameAddr(headerValues(message, "To")[0]);
  for (const via of headerValues(message, "Via")) decodeVia(via);
  for (const contact of headerValues(message, "Contact")) if (contact !== "*") decodeNameAddr(contact);
  const mf = headerValues(message, "Max-Forwards")[0];
  if (mf !== undefined && (!/^\d{1,10}$/.test(mf) || Number(mf) > 255)) throw new ParseError(SIP_PARSE_ERR.MAX_FORWARDS, `bad Max-Forwards '${mf.slice(0, 20)}'`, 0);
  const expires = headerValues(message, "Expires")[0];
  if (expires !== undefined && (!/^\d{1,10}$/.test(expires) || Number(expires) > 0xffffffff)) throw new ParseError(SIP_PARSE_ERR.EXPIRES, `bad Expires '${expires.slice(0, 20)}'`, 0);
  const ct = headerValues(message, "Content-Type")[0];
  if (ct !== undefined) decodeContentType(ct);
  else if (message.body.length > 0) throw new ParseError(SIP_PARSE_ERR.MISSING_HEADER, "a body without Content-Type", 0);
}
