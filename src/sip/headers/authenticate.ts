/**
 * WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization
 * credentials (RFC 3261 20.27, 20.28, 20.44, 22; RFC 2617 3.2.1, 3.2.2; RFC 7616 3.3, 3.4):
 *
 *   WWW-Authenticate: Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth", opaque="", stale=FALSE, algorithm=MD5
 *   Authorization: Digest username="bob", realm="atlanta.com", nonce="84a4cc6f", uri="sip:bob@b.com",
 *                  response="...", algorithm=MD5, cnonce="0a4f113b", opaque="", qop=auth, nc=00000001
 *
 * Parameters are comma-separated `name=token` or `name="quoted"`; names are lower-cased.
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { readQuoted } from "./params.ts";

export interface AuthParams {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: string;
  /** Offered qop values, e.g. ["auth", "auth-int"]; empty when the challenge has no qop (RFC 2069 style). */
  readonly qop: readonly string[];
  readonly stale: boolean;
}

export function decodeAuthParams(text: string): AuthParams {
  const code = SIP_PARSE_ERR.CHALLENGE;
  const m = /^\s*([A-Za-z0-9\-.!%*_+`'~]+)\s*/.exec(text);
  if (!m) throw new ParseError(code, "missing auth scheme", 0);
  const params: Record<string, string> = {};
  let i = m[0].length;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i])) i++;
    if (i >= text.length) break;
    const nm = /^([A-Za-z0-9\-.!%*_+`'~]+)\s*=\s*/.exec(text.slice(i));
    if (!nm) throw new ParseError(code, `bad auth parameter at '${text.slice(i, i + 20)}'`, i);
    i += nm[0].length;
    let value: string;
    if (text[i] === '"') {
      const q = readQuoted(text, i, code);
      value = q.value;
      i = q.end;
    } else {
      const end = text.slice(i).search(/[\s,]/);
      value = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += value.length;
    }
    params[nm[1].toLowerCase()] = value;
    while (i < text.length && /[ \t]/.test(text[i])) i++;
    if (i < text.length && text[i] !== ",") throw new ParseError(code, "expected ',' between auth parameters", i);
  }
  return { scheme: m[1], params };
}

/** A Digest challenge from a WWW-Authenticate or Proxy-Authenticate value. */
export function decodeDigestChallenge(text: string): DigestChallenge {
  const { scheme, params } = decodeAuthParams(text);
  if (scheme.toLowerCase() !== "digest") throw new ParseError(SIP_PARSE_ERR.CHALLENGE, `auth scheme '${scheme}' is not Digest`, 0);
  if (params.realm === undefined || params.nonce === undefined) throw new ParseError(SIP_PARSE_ERR.CHALLENGE, "Digest challenge without realm or nonce", 0);
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    algorithm: params.algorithm ?? "MD5",
    qop: params.qop ? params.qop.split(",").map((q) => q.trim().toLowerCase()).filter(Boolean) : [],
    stale: (params.stale ?? "").toLowerCase() === "true",
  };
}

/** Parameters that are tokens on the wire (RFC 2617 3.2.2: algorithm, qop, nc are not quoted). */
const UNQUOTED = new Set(["algorithm", "qop", "nc", "stale"]);

export function encodeAuthParams(value: AuthParams): string {
  const parts = Object.entries(value.params).map(([k, v]) => (UNQUOTED.has(k) ? `${k}=${v}` : `${k}="${v.replace(/(["\\])/g, "\\$1")}"`));
  return `${value.scheme} ${parts.join(", ")}`;
}
