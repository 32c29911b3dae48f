/**
 * Via (RFC 3261 20.42, 18.2.1; rport RFC 3581):
 *
 *   Via: SIP / 2.0 / UDP host[:port] *( ; via-params )     e.g. branch=z9hG4bK..., received, rport
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { decodeParams, encodeParams, type Params } from "./params.ts";

export interface Via {
  readonly protocol: string;
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
}

/** The RFC 3261 branch prefix ("magic cookie", 8.1.1.7). */
export const BRANCH_MAGIC = "z9hG4bK";

export function decodeVia(text: string): Via {
  const code = SIP_PARSE_ERR.VIA;
  const m = /^\s*([A-Za-z0-9\-.!%*_+`'~]+)\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+(.*)$/s.exec(text);
  if (!m) throw new ParseError(code, `bad sent-protocol in '${text.slice(0, 40)}'`, 0);
  const rest = m[4].trim();
  const semi = rest.indexOf(";");
  const sentBy = (semi >= 0 ? rest.slice(0, semi) : rest).trim();
  let host: string;
  let portText: string | undefined;
  if (sentBy.startsWith("[")) {
    const close = sentBy.indexOf("]");
    if (close < 0) throw new ParseError(code, "unterminated IPv6 reference", 0);
    host = sentBy.slice(0, close + 1);
    const after = sentBy.slice(close + 1).trim();
    if (after) {
      if (!after.startsWith(":")) throw new ParseError(code, "junk after IPv6 reference", 0);
      portText = after.slice(1).trim();
    }
  } else {
    const pc = sentBy.indexOf(":");
    host = (pc >= 0 ? sentBy.slice(0, pc) : sentBy).trim();
    if (pc >= 0) portText = sentBy.slice(pc + 1).trim();
  }
  if (!/^[A-Za-z0-9\-.]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) throw new ParseError(code, `bad sent-by host '${host.slice(0, 40)}'`, 0);
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new ParseError(code, `bad sent-by port '${portText.slice(0, 10)}'`, 0);
    port = Number(portText);
  }
  const params = semi >= 0 ? decodeParams(rest.slice(semi), code) : {};
  return { protocol: `${m[1]}/${m[2]}`.toUpperCase(), transport: m[3].toUpperCase(), host, ...(port !== undefined ? { port } : {}), params };
}

export function encodeVia(via: Via): string {
  return `${via.protocol}/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ""}${encodeParams(via.params)}`;
}
