/**
 * Answering 401 and 407 (RFC 3261 22.2, 22.3): the request is sent again with a new branch, CSeq+1
 * and one Authorization or Proxy-Authorization per challenge. A challenge whose nonce was already
 * answered means the credentials are wrong, unless it says stale=true (RFC 2617 3.2.1), when the
 * new nonce is answered once more.
 */
import { ParseError } from "../../errors.ts";
import type { SipRequest, SipResponse } from "../messages.ts";
import { headerValue, headerValues } from "../message/headers.ts";
import { decodeCSeq } from "../headers/cseq.ts";
import { decodeAuthParams, decodeDigestChallenge, type DigestChallenge } from "../headers/authenticate.ts";
import type { DigestClient } from "../digest.ts";

export class Authenticator {
  constructor(private readonly digest: DigestClient | undefined) {}

  /** The request to send next, or undefined when the challenge cannot or should not be answered. */
  retry(request: SipRequest, response: SipResponse): SipRequest | undefined {
    if (!this.digest || (response.status !== 401 && response.status !== 407)) return undefined;
    const proxy = response.status === 407;
    const challenges: DigestChallenge[] = [];
    for (const value of headerValues(response, proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) {
      try {
        challenges.push(decodeDigestChallenge(value));
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
      }
    }
    if (challenges.length === 0) return undefined;
    const header = proxy ? "Proxy-Authorization" : "Authorization";
    // The request already answered this very nonce: the credentials are wrong (unless stale).
    const answered = new Set(headerValues(request, header).map(nonceOf));
    for (const c of challenges) if (answered.has(c.nonce) && !c.stale) return undefined;
    const cseq = decodeCSeq(headerValue(request, "CSeq") ?? "");
    const kept = request.headers.filter((h) => h.name !== "Via" && h.name !== "CSeq" && h.name !== header);
    const credentials = challenges.map((c) => ({ name: header, value: this.digest!.authorize(c, { method: request.method, uri: request.uri, body: request.body }) }));
    // Keep credentials for the other kind of challenge (a 407 after a 401 answered earlier).
    return { ...request, headers: [...kept, { name: "CSeq", value: `${cseq.seq + 1} ${cseq.method}` }, ...credentials] };
  }
}

function nonceOf(credentials: string): string | undefined {
  try {
    return decodeAuthParams(credentials).params.nonce;
  } catch {
    return undefined;
  }
}
