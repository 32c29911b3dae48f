/**
 * CSeq (RFC 3261 20.16): `CSeq: 4711 INVITE`; the number is a 32-bit unsigned integer below 2**31
 * when chosen by a UAC (8.1.1.5).
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export function decodeCSeq(text: string): CSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(text);
  if (!m) throw new ParseError(SIP_PARSE_ERR.CSEQ, `bad CSeq '${text.slice(0, 40)}'`, 0);
  const seq = Number(m[1]);
  if (seq > 0xffffffff) throw new ParseError(SIP_PARSE_ERR.CSEQ, `CSeq number ${m[1]} is larger than 2**32-1`, 0);
  return { seq, method: m[2] };
}

export function encodeCSeq(value: CSeq): string {
  return `${value.seq} ${value.method}`;
}
