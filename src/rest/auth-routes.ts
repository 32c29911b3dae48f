/**
 * `/rest-api/auth/token`: a REST user (the router's Basic auth) gets a short-lived access token to
 * hand to a media client instead of a password: the Web SDK sends it as `connection` custom
 * {token}, an encoder as `?token=` in the RTMP stream name. Body: {expiresIn?: seconds}; answer:
 * {token, expiresIn}. Not in WCS (see src/access-tokens.ts).
 */
import { TOKEN_TTL_DEFAULT_S, TOKEN_TTL_MAX_S, type AccessTokens } from "../access-tokens.ts";
import { optionalInteger } from "./request-body.ts";
import type { Router } from "./router.ts";

export function registerAuthRoutes(router: Router, tokens: AccessTokens): void {
  router.post("/rest-api/auth/token", (body) => {
    const expiresIn = optionalInteger(body, "expiresIn", 1, TOKEN_TTL_MAX_S) ?? TOKEN_TTL_DEFAULT_S;
    return { token: tokens.issue(expiresIn), expiresIn };
  });
}
