/**
 * HTTP Digest for SIP (RFC 3261 22.4; RFC 2617 3.2.2; RFC 7616 3.4): MD5 and MD5-sess (and the
 * SHA-256 variants of RFC 7616), qop=auth, auth-int or none (RFC 2069 style), opaque echoed,
 * nc counted per nonce, stale=true answered with the new nonce without asking again.
 *
 *   HA1      = H(username ":" realm ":" password)                 (MD5)
 *   HA1      = H(H(username ":" realm ":" password) ":" nonce ":" cnonce)   (-sess)
 *   HA2      = H(method ":" digest-uri)                           (auth or no qop)
 *   HA2      = H(method ":" digest-uri ":" H(entity-body))        (auth-int)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) (qop)
 *   response = H(HA1 ":" nonce ":" HA2)                           (no qop)
 */
import { createHash, randomBytes } from "node:crypto";

import { SIP_ERR, SipError } from "./errors.ts";
import { encodeAuthParams, type DigestChallenge } from "./headers/authenticate.ts";

export interface DigestInput {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  readonly algorithm?: string;
  readonly qop?: "auth" | "auth-int";
  readonly nc?: string;
  readonly cnonce?: string;
  readonly body?: Uint8Array;
}

function hashFor(algorithm: string): (text: string | Uint8Array) => string {
  const base = algorithm.toUpperCase().replace(/-SESS$/, "");
  const name = base === "MD5" ? "md5" : base === "SHA-256" ? "sha256" : base === "SHA-512-256" ? "sha512-256" : undefined;
  if (!name) throw new SipError(SIP_ERR.AUTH, `unsupported digest algorithm '${algorithm}'`);
  return (text) => createHash(name).update(text).digest("hex");
}

/** The `response` value of RFC 2617 3.2.2.1. */
export function digestResponse(input: DigestInput): string {
  const algorithm = input.algorithm ?? "MD5";
  const h = hashFor(algorithm);
  let ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  if (/-sess$/i.test(algorithm)) {
    if (!input.cnonce) throw new SipError(SIP_ERR.AUTH, `${algorithm} needs a cnonce`);
    ha1 = h(`${ha1}:${input.nonce}:${input.cnonce}`);
  }
  const ha2 = input.qop === "auth-int" ? h(`${input.method}:${input.uri}:${h(input.body ?? new Uint8Array(0))}`) : h(`${input.method}:${input.uri}`);
  if (input.qop) {
    if (!input.nc || !input.cnonce) throw new SipError(SIP_ERR.AUTH, "qop needs nc and cnonce");
    return h(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
  }
  return h(`${ha1}:${input.nonce}:${ha2}`);
}

export interface DigestCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Answers challenges for one user. Keeps the nonce count per nonce (RFC 2617 3.2.2: nc counts the
 * requests sent with the same nonce) and a cnonce source that tests can replace.
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly credentials: DigestCredentials,
    private readonly cnonce: () => string = () => randomBytes(8).toString("hex"),
  ) {}

  /** The Authorization / Proxy-Authorization value for `challenge` on a request. */
  authorize(challenge: DigestChallenge, request: { readonly method: string; readonly uri: string; readonly body?: Uint8Array }): string {
    const qop = challenge.qop.includes("auth") ? "auth" : challenge.qop.includes("auth-int") ? "auth-int" : undefined;
    const sess = /-sess$/i.test(challenge.algorithm);
    const needsCnonce = qop !== undefined || sess;
    const cnonce = needsCnonce ? this.cnonce() : undefined;
    let nc: string | undefined;
    if (qop) {
      const count = (this.counts.get(challenge.nonce) ?? 0) + 1;
      this.counts.set(challenge.nonce, count);
      nc = count.toString(16).padStart(8, "0");
    }
    const response = digestResponse({
      username: this.credentials.username,
      password: this.credentials.password,
      realm: challenge.realm,
      nonce: challenge.nonce,
      method: request.method,
      uri: request.uri,
      algorithm: challenge.algorithm,
      ...(qop ? { qop } : {}),
      ...(nc ? { nc } : {}),
      ...(cnonce ? { cnonce } : {}),
      ...(request.body ? { body: request.body } : {}),
    });
    const params: Record<string, string> = {
      username: this.credentials.username,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri: request.uri,
      response,
      algorithm: challenge.algorithm,
    };
    if (cnonce) params.cnonce = cnonce;
    if (challenge.opaque !== undefined) params.opaque = challenge.opaque;
    if (qop && nc) {
      params.qop = qop;
      params.nc = nc;
    }
    return encodeAuthParams({ scheme: "Digest", params });
  }
}
