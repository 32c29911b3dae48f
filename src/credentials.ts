/**
 * The one credential mask for URLs, used wherever a URL may be shown: REST answers, hook bodies and
 * log lines (which may hold several URLs in free text). For each `scheme://` it
 *   - drops the password of the user info (`rtmp://u:pw@h/a` -> `rtmp://u@h/a`; an empty user
 *     becomes `***`: `rtmp://:pw@h/a` -> `rtmp://***@h/a`),
 *   - masks query values whose names say secret (`?pass=x&token=y` -> `?pass=***&token=***`) and
 *     bare query items (`app/?user1&pass1`, the WCS form for credentials in the app) as `***`;
 * and masks secret-named query values outside URLs too (`live?user=u&pass=x`, an RTMP app).
 * Passwords may hold `@`, `:`, `/`, `?`, `#` and spaces unencoded (the RTMP URL parser takes some of
 * them), so the user info ends at the LAST `@` that is followed by a host and then the end of the
 * URL, `/`, `?`, `#` or white space. When unsure it masks more, never less.
 */
import { timingSafeEqual } from "node:crypto";

const SCHEME = /[a-z][a-z0-9+.-]*:\/\//gi;
/** A URL in free text ends at the next URL, a line break, a quote or an angle bracket. */
const URL_END = /[\r\n"'<>`]/;
/** `@host[:port]` followed by the end of the authority. */
const HOST_AFTER_AT = /@(?:\[[0-9a-f:.]*\]|[a-z0-9.-]*)(?::\d*)?(?=[/?#\s]|$)/gi;
const SECRET_QUERY_NAME = /pass|pwd|secret|token|key|auth|sig|credential|session/i;

/** `?pass=x` / `&token=y` outside a URL too (an RTMP app or stream name: `live?user=u&pass=x`). */
const SECRET_PARAM = /([?&][a-z_]*(?:pass|pwd|secret|token|key|auth|sig|credential|session)[a-z_]*=)([^&\s"'<>`#]*)/gi;

export function maskCredentials(text: string): string {
  return maskUrls(text).replace(SECRET_PARAM, (_, name: string, value: string) => (value === "" ? name : `${name}***`));
}

function maskUrls(text: string): string {
  const starts = [...text.matchAll(SCHEME)].map((m) => ({ at: m.index, after: m.index + m[0].length }));
  if (starts.length === 0) return text;
  let out = text.slice(0, starts[0]!.at);
  starts.forEach((start, i) => {
    const next = starts[i + 1]?.at ?? text.length;
    const region = text.slice(start.after, next);
    const stop = region.search(URL_END);
    const url = stop < 0 ? region : region.slice(0, stop);
    out += text.slice(start.at, start.after) + maskUrlRest(url) + (stop < 0 ? "" : region.slice(stop));
  });
  return out;
}

/** Masks what follows `scheme://`. */
function maskUrlRest(rest: string): string {
  let authorityStart = 0;
  let head = "";
  const ats = [...rest.matchAll(HOST_AFTER_AT)];
  const at = ats[ats.length - 1]?.index;
  if (at !== undefined) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(":");
    const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
    head = colon < 0 && !/[\s/?#]/.test(userInfo) ? userInfo : user === "" || /[\s/?#]/.test(user) ? "***" : user;
    authorityStart = at;
  }
  const remainder = rest.slice(authorityStart);
  const q = remainder.indexOf("?");
  if (q < 0) return head + remainder;
  return head + remainder.slice(0, q + 1) + maskQuery(remainder.slice(q + 1));
}

function maskQuery(query: string): string {
  const space = query.search(/[\s#]/);
  const items = space < 0 ? query : query.slice(0, space);
  const tail = space < 0 ? "" : query.slice(space);
  const masked = items
    .split("&")
    .map((item) => {
      if (item === "") return item;
      const eq = item.indexOf("=");
      if (eq < 0) return "***";
      return SECRET_QUERY_NAME.test(item.slice(0, eq)) ? `${item.slice(0, eq)}=***` : item;
    })
    .join("&");
  return masked + tail;
}

/** Whether `password` is `user`'s in `users`, compared in constant time (REST, HTTP-FLV, RTMP). */
export function credentialsMatch(users: ReadonlyMap<string, string>, user: string, password: string): boolean {
  const expected = users.get(user);
  if (expected === undefined) return false;
  const given = Buffer.from(password);
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
