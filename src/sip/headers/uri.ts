/**
 * SIP and SIPS URIs (RFC 3261 19.1):
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *
 * Other schemes (tel:, urn:, ...) are kept as opaque text by the callers; `decodeSipUri` only
 * accepts sip/sips.
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { decodeParams, encodeParams, type Params } from "./params.ts";

export interface SipUri {
  readonly scheme: "sip" | "sips";
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  readonly headers: Readonly<Record<string, string>>;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.\-]*:/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9.])?$/;

/** True for `scheme:rest` with no whitespace or angle brackets: any absolute URI (RFC 3261 25.1). */
export function isAbsoluteUri(text: string): boolean {
  return SCHEME.test(text) && !/[\s<>"\x00-\x1f\x7f]/.test(text);
}

export function decodeSipUri(text: string): SipUri {
  const code = SIP_PARSE_ERR.URI;
  const colon = text.indexOf(":");
  const scheme = text.slice(0, colon).toLowerCase();
  if (colon < 0 || (scheme !== "sip" && scheme !== "sips")) throw new ParseError(code, `not a sip or sips URI: '${text.slice(0, 40)}'`, 0);
  if (/[\s<>"]/.test(text)) throw new ParseError(code, "whitespace, quote or angle bracket inside a URI", 0);
  let rest = text.slice(colon + 1);
  let headersText = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    headersText = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const pc = userinfo.indexOf(":");
    user = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
    if (pc >= 0) password = userinfo.slice(pc + 1);
    if (!user) throw new ParseError(code, "empty user part", colon + 1);
  }
  const semi = rest.indexOf(";");
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const params = semi >= 0 ? decodeParams(rest.slice(semi), code) : {};
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0) throw new ParseError(code, "unterminated IPv6 reference", 0);
    host = hostport.slice(0, close + 1);
    if (!/^\[[0-9A-Fa-f:.]+\]$/.test(host)) throw new ParseError(code, `bad IPv6 reference '${host}'`, 0);
    const after = hostport.slice(close + 1);
    if (after) {
      if (!after.startsWith(":")) throw new ParseError(code, "junk after IPv6 reference", 0);
      portText = after.slice(1);
    }
  } else {
    const pc = hostport.indexOf(":");
    host = pc >= 0 ? hostport.slice(0, pc) : hostport;
    if (pc >= 0) portText = hostport.slice(pc + 1);
    if (!HOSTNAME.test(host)) throw new ParseError(code, `bad host '${host.slice(0, 40)}'`, 0);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new ParseError(code, `bad port '${portText.slice(0, 10)}'`, 0);
    port = Number(portText);
  }
  const headers: Record<string, string> = {};
  if (headersText) {
    for (const pair of headersText.split("&")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new ParseError(code, `bad URI header '${pair.slice(0, 20)}'`, 0);
      headers[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return { scheme, ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}), host, ...(port !== undefined ? { port } : {}), params, headers };
}

export function encodeSipUri(uri: SipUri): string {
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += encodeParams(uri.params);
  const hdrs = Object.entries(uri.headers);
  if (hdrs.length) out += "?" + hdrs.map(([k, v]) => `${k}=${v}`).join("&");
  return out;
}
