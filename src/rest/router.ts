/**
 * A small router over node:http: exact paths for the REST API, prefix routes for streamed answers
 * (HTTP-FLV), JSON in and out, CORS, optional Basic auth. Handlers throw RestError for 4xx answers;
 * anything else is a 500 that is logged (a bug).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { createLogger } from "../log.ts";
import { parseJsonBody, RestError, type JsonObject } from "./request-body.ts";

const log = createLogger("rest");
const MAX_BODY_BYTES = 1024 * 1024;

/** A JSON handler returns the body to send (undefined: 200 with an empty body). */
export type JsonHandler = (body: JsonObject) => unknown | Promise<unknown>;
/** A raw handler owns the response (streams, files). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

export interface RouterOptions {
  allowOrigin: string;
  /** name -> password; empty map means no authentication */
  users: ReadonlyMap<string, string>;
}

export class Router {
  private readonly json = new Map<string, { handler: JsonHandler; allowGet: boolean }>();
  private readonly raw: { prefix: string; handler: RawHandler; requireAuth: boolean }[] = [];
  private readonly options: RouterOptions;

  constructor(options: RouterOptions) {
    this.options = options;
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
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return this.sendError(res, new RestError(400, "malformed request path"));
    }
    const route = this.json.get(path);
    if (route) {
      if (!this.authorized(req)) return this.refuse(res);
      if (req.method === "POST" || (req.method === "GET" && route.allowGet)) return void this.runJson(req, res, route.handler);
      return this.sendError(res, new RestError(405, `${req.method} is not allowed on ${path}`), { Allow: route.allowGet ? "GET, POST" : "POST" });
    }
    const raw = this.raw.find((r) => path.startsWith(r.prefix));
    if (raw && (req.method === "GET" || req.method === "HEAD")) {
      if (raw.requireAuth && !this.authorized(req)) return this.refuse(res);
      return raw.handler(req, res, path);
    }
    this.sendError(res, new RestError(404, `no such resource: ${path}`));
  };

  private refuse(res: ServerResponse): void {
    this.sendError(res, new RestError(401, "authentication required"), { "WWW-Authenticate": 'Basic realm="transpond"' });
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.options.users.size === 0) return true;
    const match = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const expected = this.options.users.get(decoded.slice(0, colon));
    if (colon < 0 || expected === undefined) return false;
    const given = Buffer.from(decoded.slice(colon + 1));
    const want = Buffer.from(expected);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async runJson(req: IncomingMessage, res: ServerResponse, handler: JsonHandler): Promise<void> {
    try {
      const text = await readBody(req);
      const result = await handler(parseJsonBody(text));
      if (result === undefined) return void res.writeHead(200).end();
      const body = JSON.stringify(result);
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    } catch (err) {
      if (err instanceof RestError) return this.sendError(res, err);
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
  return { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large", 500: "Internal Server Error" }[status] ?? "Error";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RestError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
