/**
 * Answers to the RTMP server authentication challenges that widely used encoders (FFmpeg, OBS)
 * implement. Both arrive as a rejected `connect` whose description carries the challenge:
 *   adobe: "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "  (send the user)
 *          "... : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O"         (answer)
 *   llnw:  "... : ?reason=needauth&nonce=N"                                      (answer)
 *   "?reason=authfailed" / "?reason=nosuchuser" end the attempt.
 * The answer goes into the app of the next connect as a query string.
 */
import { createHash, randomBytes } from "node:crypto";

export type AuthMod = "adobe" | "llnw";

export type ChallengeStep =
  | { kind: "send-user"; authmod: AuthMod }
  | { kind: "answer"; authmod: AuthMod; params: URLSearchParams }
  | { kind: "failed"; reason: string }
  | { kind: "none" };

/** Reads what a connect rejection description asks for. */
export function readChallenge(description: string): ChallengeStep {
  const authmod = /authmod=(adobe|llnw)/.exec(description)?.[1] as AuthMod | undefined;
  if (!authmod) return { kind: "none" };
  const q = description.indexOf("?reason=");
  if (q < 0) return /code=403 need auth/.test(description) ? { kind: "send-user", authmod } : { kind: "failed", reason: description };
  // Tokens are sent raw (Wowza and crtmpserver use base64): a "+" is a plus, not a space, as FFmpeg reads it.
  const params = new URLSearchParams(description.slice(q + 1).trim().replace(/\+/g, "%2B"));
  const reason = params.get("reason") ?? "";
  if (reason === "needauth") return { kind: "answer", authmod, params };
  return { kind: "failed", reason: reason === "authfailed" ? "authentication failed (wrong user or password)" : reason === "nosuchuser" ? "no such user" : reason };
}

const md5 = (s: string) => createHash("md5").update(s);

export function adobeResponse(user: string, password: string, salt: string, challenge: string, opaque: string | null, clientChallenge: string): string {
  const hash1 = md5(user + salt + password).digest("base64");
  return md5(hash1 + (opaque ?? challenge) + clientChallenge).digest("base64");
}

/** `app` is the connect app without any query string. */
export function llnwResponse(user: string, password: string, app: string, nonce: string, cnonce: string, nc = "00000001"): string {
  const ha1 = md5(`${user}:live:${password}`).digest("hex");
  const ha2 = md5(`publish:/${app}${app.includes("/") ? "" : "/_definst_"}`).digest("hex");
  return md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`).digest("hex");
}

/** The query string (without "?") to append to the connect app for one step of the exchange. */
export function authQuery(step: ChallengeStep, user: string, password: string, app: string, random = () => randomBytes(4).toString("hex")): string {
  if (step.kind === "send-user") return `authmod=${step.authmod}&user=${encodeURIComponent(user)}`;
  if (step.kind !== "answer") return "";
  const p = step.params;
  if (step.authmod === "adobe") {
    const challenge2 = random();
    const response = adobeResponse(user, password, p.get("salt") ?? "", p.get("challenge") ?? "", p.get("opaque"), challenge2);
    const opaque = p.get("opaque");
    return `authmod=adobe&user=${encodeURIComponent(user)}&challenge=${challenge2}&response=${response}` + (opaque !== null ? `&opaque=${opaque}` : "");
  }
  const cnonce = random();
  const nonce = p.get("nonce") ?? "";
  return `authmod=llnw&user=${encodeURIComponent(user)}&nonce=${nonce}&cnonce=${cnonce}&nc=00000001&response=${llnwResponse(user, password, app.split("?")[0]!.replace(/\/$/, ""), nonce, cnonce)}`;
}
