/**
 * Short-lived access tokens for clients that should not hold a REST user's password (a page's Web
 * SDK, an encoder): a REST user gets one from `POST /rest-api/auth/token` and it grants what the
 * user's credentials grant to media clients, until it expires; a WebSocket `connection`
 * carries it in custom {token}, an RTMP publish or play in the name's query (`?token=`). WCS has no
 * such token: its clients put what their own backend checks in custom and the `connect` hook checks
 * it (rest/hooks.ts); this is Transpond's form for operators without such a backend.
 */
import { createHash, randomBytes } from "node:crypto";

/** seconds a token lives when the request names none, and the most it may ask for */
export const TOKEN_TTL_DEFAULT_S = 3600;
export const TOKEN_TTL_MAX_S = 86400;

export class AccessTokens {
  /** expiry (ms) by SHA-256 of the token, so the table never holds a usable token */
  private readonly grants = new Map<string, number>();

  constructor(
    private readonly maxTokens = 10000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token, valid for `ttlSeconds`. */
  issue(ttlSeconds: number): string {
    if (this.grants.size >= this.maxTokens) this.prune();
    const token = randomBytes(24).toString("base64url");
    this.grants.set(digest(token), this.now() + ttlSeconds * 1000);
    return token;
  }

  /** true for a token issued here that has not expired. */
  valid(token: string): boolean {
    const key = digest(token);
    const expiresAt = this.grants.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.grants.delete(key);
    return false;
  }

  /** Drops expired grants, then the oldest ones while the table is still full. */
  private prune(): void {
    const now = this.now();
    for (const [key, expiresAt] of this.grants) if (expiresAt <= now) this.grants.delete(key);
    for (const key of this.grants.keys()) {
      if (this.grants.size < this.maxTokens) break;
      this.grants.delete(key);
    }
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
