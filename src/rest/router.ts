/**
 * A small router over node:http: exact paths for the REST API, prefix routes for streamed answers
 * (HTTP-FLV), JSON in and out, CORS, optional Basic auth. A handler's error is answered with the
 * status rest/errors.ts maps its code to; an error without one is a 500 that is logged (a bug).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { CLUSTER_SECRET_HEADER } from "../cluster/api.ts";
import { credentialsMatch } from "../credentials.ts";
import { createLogger } from "../log.ts";
import { isLoopbackAddress, LOOPBACK_ONLY_MESSAGE } from "./access.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { httpStatusOf, RestError, REST_ERR } from "./errors.ts";
import { parseJsonBody, type JsonObject } from "./request-body.ts";

const log = createLogger("rest");

const MAX_BODY_BYTES = 1024 * 1024;
/** A body over the limit is read and dropped up to this much, so the client gets its 413, not a reset. */
const MAX_DISCARD_BYTES = 16 * MAX_BODY_BYTES;

/** A JSON handler returns the body to send (undefined: 200 with an empty body). */
export type JsonHandler = (body: JsonObject) => unknown | Promise<unknown>;
/** A raw handler owns the response (streams, files). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** What a route that takes bearer tokens checks them with (src/access-tokens.ts). */
export interface BearerTokens {
  valid(token: string): boolean;
}

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
  private readonly json = new Map<string, { handler: JsonHandler; allowGet: boolean; secret?: string }>();
  private readonly raw: { path: string; matches: (path: string) => boolean; prefix: boolean; handler: RawHandler; requireAuth: boolean }[] = [];
  private readonly resources: { prefix: string; handler: RawHandler; tokens: BearerTokens }[] = [];
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

  /** The JSON routes' paths, in registration order. */
  jsonPaths(): string[] {
    return [...this.json.keys()];
  }

  /**
   * Every registered route, for the API description's test: exact JSON paths with their methods
   * (`internal`: node-to-node only), the prefixes of raw GET and WHIP/WHEP resource routes, and
   * the templates of suffix routes (HTTP-FLV).
   */
  routes(): { readonly path: string; readonly methods: readonly string[]; readonly prefix: boolean; readonly internal: boolean }[] {
    return [
      ...[...this.json].map(([path, r]) => ({ path, methods: r.allowGet ? ["get", "post"] : ["post"], prefix: false, internal: r.secret !== undefined })),
      ...this.raw.map((r) => ({ path: r.path, methods: ["get"], prefix: r.prefix, internal: false })),
      ...this.resources.map((r) => ({ path: r.prefix, methods: ["options", "post", "delete", "patch"], prefix: true, internal: false })),
    ];
  }

  /** Puts a wrapper around a JSON route's handler (the cluster answers for every node this way). */
  wrap(path: string, wrapper: (handler: JsonHandler) => JsonHandler): void {
    const route = this.json.get(path);
    if (route) this.json.set(path, { ...route, handler: wrapper(route.handler) });
  }

  /**
   * POST route for other nodes of the cluster only: instead of the REST users it asks for the
   * cluster secret in the X-Transpond-Cluster-Secret header, and answers 403 without it.
   */
  internal(path: string, handler: JsonHandler, secret: string): void {
    this.json.set(path, { handler, allowGet: false, secret });
  }

  /**
   * GET route answered by a handler that writes the response itself. `requireAuth` puts it behind
   * the REST users too (media such as HTTP-FLV); the web pages stay open.
   */
  getPrefix(prefix: string, handler: RawHandler, requireAuth = false): void {
    this.raw.push({ path: prefix, matches: (path) => path.startsWith(prefix), prefix: true, handler, requireAuth });
  }

  /**
   * GET route for every path ending in `suffix` (HTTP-FLV's `/<app>/<name>.flv`), tried in the
   * same order as the prefix routes; `template` is its path in the API description.
   */
  getSuffix(suffix: string, template: string, handler: RawHandler, requireAuth = false): void {
    this.raw.push({ path: template, matches: (path) => path.endsWith(suffix), prefix: false, handler, requireAuth });
  }

  /**
   * Route for every method under `prefix` (WHIP/WHEP resources), answered by a handler that writes
   * the response itself, OPTIONS (CORS preflight, which carries no credentials) included. Behind
   * the REST users, who may also send a bearer token that `tokens` knows instead of Basic credentials.
   */
  resource(prefix: string, handler: RawHandler, tokens: BearerTokens): void {
    this.resources.push({ prefix, handler, tokens });
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader("Access-Control-Allow-Origin", this.options.allowOrigin);
    res.setHeader("Access-Control-Allow-Headers", "content-type,x-requested-with,authorization");
    res.setHeader("Access-Control-Allow-Methods", "GET,POST,OPTIONS");
    res.setHeader("X-Content-Type-Options", "nosniff");
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return this.sendError(res, new RestError(REST_ERR.BAD_REQUEST, "malformed request path"));
    }
    const resource = this.resources.find((r) => path.startsWith(r.prefix));
    if (resource) {
      if (req.method !== "OPTIONS" && !this.authorized(req, res, resource.tokens)) return;
      return resource.handler(req, res, path);
    }
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    const route = this.json.get(path);
    if (route) {
      if (route.secret !== undefined ? !this.fromNode(req, res, route.secret) : !this.authorized(req, res)) return;
      if (req.method === "POST" || (req.method === "GET" && route.allowGet)) return void this.runJson(req, res, route.handler);
      return this.sendError(res, new RestError(REST_ERR.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${path}`), { Allow: route.allowGet ? "GET, POST" : "POST" });
    }
    const raw = this.raw.find((r) => r.matches(path));
    if (raw && (req.method === "GET" || req.method === "HEAD")) {
      if (raw.requireAuth && !this.authorized(req, res)) return;
      return raw.handler(req, res, path);
    }
    this.sendError(res, new RestError(REST_ERR.NOT_FOUND, `no such resource: ${path}`));
  };

  /**
   * Basic auth against the REST users. Answers the request itself when it is not authorized: 401,
   * or 429 while the client's address is slowed down after failed logins (each failure is logged).
   * With `tokens`, `Authorization: Bearer <token>` is taken too and a refusal asks for a bearer token.
   */
  private authorized(req: IncomingMessage, res: ServerResponse, tokens?: BearerTokens): boolean {
    const address = this.options.clientAddress?.(req) ?? req.socket.remoteAddress ?? "";
    if (this.options.users.size === 0) {
      if (!this.options.loopbackOnly || isLoopbackAddress(address)) return true;
      this.sendError(res, new RestError(REST_ERR.FORBIDDEN, LOOPBACK_ONLY_MESSAGE));
      return false;
    }
    const wait = this.throttle.waitMs(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      this.sendError(res, new RestError(REST_ERR.TOO_MANY_LOGINS, `too many failed logins from ${address}; retry in ${seconds} s`), { "Retry-After": String(seconds) });
      return false;
    }
    const bearer = tokens && /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (bearer && tokens.valid(bearer[1]!)) return true;
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (!basic && !bearer) return this.refuse(res, tokens !== undefined);
    const decoded = basic ? Buffer.from(basic[1]!, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    const user = basic ? (colon < 0 ? decoded : decoded.slice(0, colon)) : "(bearer token)";
    if (colon >= 0 && credentialsMatch(this.options.users, user, decoded.slice(colon + 1))) {
      this.throttle.succeeded(address);
      return true;
    }
    const failures = this.throttle.failed(address);
    log.warn("REST login failed", { address, user, failures, path: req.url });
    return this.refuse(res, tokens !== undefined);
  }

  private fromNode(req: IncomingMessage, res: ServerResponse, secret: string): boolean {
    const given = req.headers[CLUSTER_SECRET_HEADER];
    if (typeof given === "string" && credentialsMatch(new Map([["node", secret]]), "node", given)) return true;
    log.warn("cluster call refused: no or wrong cluster secret", { address: req.socket.remoteAddress, path: req.url });
    this.sendError(res, new RestError(REST_ERR.FORBIDDEN, "cluster secret required"));
    return false;
  }

  private refuse(res: ServerResponse, bearer = false): false {
    this.sendError(res, new RestError(REST_ERR.UNAUTHORIZED, "authentication required"), { "WWW-Authenticate": bearer ? 'Bearer realm="transpond"' : 'Basic realm="transpond"' });
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
      const status = httpStatusOf(err);
      if (status !== undefined) return this.sendError(res, err as Error, status === 413 ? { Connection: "close" } : {});
      log.error("REST handler failed", { path: req.url, error: err as Error });
      this.sendError(res, new RestError(REST_ERR.INTERNAL, "internal error"));
    }
  }

  private sendError(res: ServerResponse, err: Error, headers: Record<string, string> = {}): void {
    sendRestError(res, err, headers);
  }
}

/** The JSON error answer every route gives: {status, error, message}, the status that of err's code. */
export function sendRestError(res: ServerResponse, err: Error, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  const status = httpStatusOf(err) ?? 500;
  const body = JSON.stringify({ status, error: STATUS_CODES[status] ?? "Error", message: err.message });
  res.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
}

/**
 * The body as text. Over MAX_BODY_BYTES it is read on and dropped (up to MAX_DISCARD_BYTES, then the
 * connection is cut) so the client gets a 413 answer instead of a reset.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => new RestError(REST_ERR.BODY_TOO_LARGE, `request body is larger than ${MAX_BODY_BYTES} bytes`);
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
    const cutOff = () => reject(new RestError(REST_ERR.BAD_REQUEST, "request body was cut off"));
    req.on("error", cutOff);
    req.on("close", () => (req.complete ? undefined : cutOff()));
  });
}
