/**
 * WHIP (RFC 9725) ingest at `/whip/<stream>` and WHEP (draft-ietf-wish-whep) playback at
 * `/whep/<stream>` on the REST port; the sessions themselves are src/agent/whip/sessions.ts.
 *
 *   POST /whip/<stream>  (application/sdp offer) -> 201, application/sdp answer, Location of the session
 *   DELETE <Location>                           -> 200, the session ends (publish: the stream too)
 *   PATCH <Location>                            -> 405: no trickle ICE, no ICE restart (RFC 9725 §4.3.1)
 *   OPTIONS (CORS preflight)                    -> 204 with Allow, Accept-Post (endpoint) and CORS headers
 *
 * The answer holds every server candidate (gathering completes before it is sent) and the client's
 * address is learned from its connectivity checks, so a client needs no trickle; RFC 9725 §4.3.1
 * asks a session that supports neither trickle nor restarts to answer PATCH with 405. Behind the
 * REST users when they are on: `Authorization: Bearer <token from /rest-api/auth/token>` (RFC 9725
 * §4.5) or Basic credentials; with `rest_hook_url` the publishStream / playStream hooks decide too
 * (403). A stream name holding `/` is sent as `%2F`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WhipKind, WhipSessions } from "../agent/whip/sessions.ts";
import { errorMessage } from "../errors.ts";
import { createLogger } from "../log.ts";
import { httpStatusOf, RestError, REST_ERR } from "./errors.ts";
import { readBody, sendRestError, type BearerTokens, type Router } from "./router.ts";

const log = createLogger("rest.whip");
const SDP_TYPE = "application/sdp";
const ENDPOINT_METHODS = "OPTIONS, POST";
const SESSION_METHODS = "DELETE, OPTIONS";

export function registerWhipRoutes(router: Router, sessions: WhipSessions, tokens: BearerTokens): void {
  for (const kind of ["whip", "whep"] as const) router.resource(`/${kind}/`, (req, res) => void serve(kind, sessions, req, res), tokens);
}

type Target = { readonly streamName: string; readonly id?: string };

/** `/<kind>/<stream>` (the endpoint) or `/<kind>/<stream>/<id>` (a session), from the raw path. */
function targetOf(kind: WhipKind, url: string): Target | undefined {
  const segments = new URL(url, "http://x").pathname.slice(kind.length + 2).split("/");
  if (segments.length > 2 || segments[0] === "" || segments[1] === "") return undefined;
  try {
    const streamName = decodeURIComponent(segments[0]!);
    return segments.length === 2 ? { streamName, id: segments[1]! } : { streamName };
  } catch {
    return undefined;
  }
}

async function serve(kind: WhipKind, sessions: WhipSessions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = targetOf(kind, req.url ?? "/");
  if (!target) return sendRestError(res, new RestError(REST_ERR.NOT_FOUND, `no such resource: ${req.url}; ${kind.toUpperCase()} endpoints are /${kind}/<stream name>`));
  const methods = target.id === undefined ? ENDPOINT_METHODS : SESSION_METHODS;
  if (req.method === "OPTIONS") return preflight(res, methods, target.id === undefined);
  try {
    if (target.id === undefined && req.method === "POST") return await createSession(kind, sessions, target.streamName, req, res);
    if (target.id !== undefined && req.method === "DELETE") return deleteSession(kind, sessions, target, res);
  } catch (err) {
    return sendRestError(res, restErrorOf(err), err instanceof RestError && err.code === REST_ERR.UNSUPPORTED_MEDIA_TYPE ? { "Accept-Post": SDP_TYPE } : {});
  }
  const why = req.method === "PATCH" ? " (this server sends every candidate in its answer and supports neither trickle ICE nor ICE restarts)" : "";
  sendRestError(res, new RestError(REST_ERR.METHOD_NOT_ALLOWED, `${req.method} is not allowed here${why}`), { Allow: methods });
}

function preflight(res: ServerResponse, methods: string, endpoint: boolean): void {
  res.setHeader("Access-Control-Allow-Methods", methods);
  res.setHeader("Access-Control-Allow-Headers", "content-type,authorization");
  res.setHeader("Allow", methods);
  if (endpoint) res.setHeader("Accept-Post", SDP_TYPE);
  res.writeHead(204).end();
}

async function createSession(kind: WhipKind, sessions: WhipSessions, streamName: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== SDP_TYPE) {
    req.resume();
    throw new RestError(REST_ERR.UNSUPPORTED_MEDIA_TYPE, `Content-Type must be ${SDP_TYPE} (the SDP offer), not ${type || "missing"}`);
  }
  const offer = await readBody(req);
  if (!offer.trimStart().startsWith("v=")) throw new RestError(REST_ERR.BAD_REQUEST, "the body must be an SDP offer (starting with v=0)");
  const { id, answerSdp } = kind === "whip" ? await sessions.publish(streamName, offer) : await sessions.play(streamName, offer);
  res.writeHead(201, {
    "Content-Type": SDP_TYPE,
    "Content-Length": Buffer.byteLength(answerSdp),
    Location: `/${kind}/${encodeURIComponent(streamName)}/${id}`,
    "Access-Control-Expose-Headers": "Location",
  });
  res.end(answerSdp);
}

function deleteSession(kind: WhipKind, sessions: WhipSessions, target: Target, res: ServerResponse): void {
  const session = sessions.get(kind, target.id!);
  if (!session || session.streamName !== target.streamName) throw new RestError(REST_ERR.NOT_FOUND, `no such ${kind.toUpperCase()} session: ${target.id}`);
  sessions.delete(kind, session.id);
  res.writeHead(200, { "Content-Length": 0 }).end();
}

/** What an error from the body reader or the sessions answers. */
function restErrorOf(err: unknown): Error {
  if (httpStatusOf(err) !== undefined) return err as Error;
  log.error("WHIP/WHEP request failed", { error: errorMessage(err) });
  return new RestError(REST_ERR.INTERNAL, "internal error");
}
