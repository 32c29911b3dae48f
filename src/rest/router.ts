/**
 * A small router over node:http: exact paths for the REST API, prefix routes for streamed answers
 * (HTTP-FLV), JSON in and out, CORS, optional Basic auth. Handlers throw RestError for 4xx answers;
 * anything else is a 500 that is logged (a bug).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { credentialsMatch } from "../credentials.ts";
import { createLogger } from "../log.ts";
import { isLoopbackAddress, LOOPBACK_ONLY_MESSAGE } from "./access.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { parseJsonBody, RestError, type JsonObject } from "./request-body.ts";

const log = createLogger("rest");
const MAX_BODY_BYTES = 1024 * 1024;
/** A body over the limit is read and dropped up to this much, so the client gets its 413, not a reset. */
const MAX_DISCARD_BYTES = 16 * MAX_BODY_BYTES;

/** A JSON handler returns the body to send (undefined: 200 with an empty body). */
export type JsonHandler = (body: JsonObject) => unknown | Promise<unknown>;
/** A raw handler owns the response (streams, files). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

export interface RouterOptions {
  allowOrigin: string;
  /** name -> password; empty map means no authentication */
  users: ReadonlyMap<string, string>;
  /** failed logins per client address (default: 3 free, then 1 s doubling up to 60 s) */
  loginThrottle?: LoginThrottle;
  /** true: without users, REST and protected GET routes answer loopback clients only (access.ts) */
  loopbackOnly?: boolean;
  /** the client's address (tests inject one; default: the socket's remote address) */
  clientAddress?: (req: IncomingMessage) => string;
}

export class Router {
  private readonly json = new Map<string, { handler: JsonHandler; allowGet: boolean }>();
  private readonly raw: { prefix: string; handler: RawHandler; requireAuth: boolean }[] = [];
  private readonly options: RouterOptions;
  private readonly throttle: LoginThrottle;

  constructor(options: RouterOptions) {
    this.options = options;
    this.throttle = options.loginThrottle ?? new LoginThrottle();
  }

  /** POST JSON route; `allowGet` also answers GET without a body (find_all, as the Web SDK sends it). */
  post(path: string, handler: JsonHandler, allowGet = false): void {
    this.json.set(path, { handler, allowGet });
  }

  /**
   * GET route answered by a handler that writes the response itself. `requireAuth` puts it behind
   * the REST users too (media such as HTTP-FLV); the web pages stay open.
   */
  getPrefix(prefix: string, handler: RawHandler, requireAuth = false): void {
    this.raw.push({ prefix, handler, requireAuth });
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader("Access-Control-Allow-Origin", this.options.allowOrigin);
    res.setHeader("Access-Control-Allow-Headers", "content-type,x-requested-with,authorization");
    res.setHeader("Access-Control-Allow-Methods", "GET,POST,OPTIONS");
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return this.sendError(res, new RestError(400, "malformed request path"));
    }
    const route = this.json.get(path);
    if (route) {
      if (!this.authorized(req, res)) return;
      if (req.method === "POST" || (req.method === "GET" && route.allowGet)) return void this.runJson(req, res, route.handler);
      return this.sendError(res, new RestError(405, `${req.method} is not allowed on ${path}`), { Allow: route.allowGet ? "GET, POST" : "POST" });
    }
    const raw = this.raw.find((r) => path.startsWith(r.prefix));
    if (raw && (req.method === "GET" || req.method === "HEAD")) {
      if (raw.requireAuth && !this.authorized(req, res)) return;
      return raw.handler(req, res, path);
    }
    this.sendError(res, new RestError(404, `no such resource: ${path}`));
  };

  /**
   * Basic auth against the REST users. Answers the request itself when it is not authorized: 401,
   * or 429 while the client's address is slowed down after failed logins (each failure is logged).
   */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const address = this.options.clientAddress?.(req) ?? req.socket.remoteAddress ?? "";
    if (this.options.users.size === 0) {
      if (!this.options.loopbackOnly || isLoopbackAddress(address)) return true;
      this.sendError(res, new RestError(403, LOOPBACK_ONLY_MESSAGE));
      return false;
    }
    const wait = this.throttle.waitMs(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      this.sendError(res, new RestError(429, `too many failed logins from ${address}; retry in ${seconds} s`), { "Retry-After": String(seconds) });
      return false;
    }
    const match = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (!match) return this.refuse(res);
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (colon >= 0 && credentialsMatch(this.options.users, user, decoded.slice(colon + 1))) {
      this.throttle.succeeded(address);
      return true;
    }
    const failures = this.throttle.failed(address);
    log.warn("REST login failed", { address, user, failures, path: req.url });
    return this.refuse(res);
  }

  private refuse(res: ServerResponse): false {
    this.sendError(res, new RestError(401, "authentication required"), { "WWW-Authenticate": 'Basic realm="transpond"' });
    return false;
  }

  private async runJson(req: IncomingMessage, res: ServerResponse, handler: JsonHandler): Promise<void> {
    try {
      const text = await readBody(req);
      const result = await handler(parseJsonBody(text));
      if (result === undefined) return void res.writeHead(200).end();
      const body = JSON.stringify(result);
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    } catch (err) {
      if (err instanceof RestError) return this.sendError(res, err, err.status === 413 ? { Connection: "close" } : {});
      log.error("REST handler failed", { path: req.url, error: err as Error });
      this.sendError(res, new RestError(500, "internal error"));
    }
  }

  private sendError(res: ServerResponse, err: RestError, headers: Record<string, string> = {}): void {
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify({ status: err.status, error: httpReason(err.status), message: err.message });
    res.writeHead(err.status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
  }
}

function httpReason(status: number): string {
  return { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error" }[status] ?? "Error";
}

/**
 * The body as text. Over MAX_BODY_BYTES it is read on and dropped (up to MAX_DISCARD_BYTES, then the
 * connection is cut) so the client gets a 413 answer instead of a reset.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => new RestError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    if (Number(req.headers["content-length"]) > MAX_DISCARD_BYTES) {
      req.resume();
      return reject(tooLarge());
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DISCARD_BYTES) return void req.destroy();
      if (size > MAX_BODY_BYTES) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on("end", () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString("utf8"))));
    const cutOff = () => reject(new RestError(400, "request body was cut off"));
    req.on("error", cutOff);
    req.on("close", () => (req.complete ? undefined : cutOff()));
  });
}
