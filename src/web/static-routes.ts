/**
 * Serves the bundled pages on the REST port: `/` (the index), `/publisher.html`, `/player.html`,
 * `/transponders.html` and their `/assets/*`, and `/server.json` (version and bound ports, which the
 * pages connect by). Only paths in the in-memory asset map are answered, so
 * no request can reach the file system (`..` and its encodings simply match nothing: 404).
 * HTML is revalidated on every load (ETag, 304); hashed assets are cached for a year.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RestError, REST_ERR } from "../rest/errors.ts";
import { sendRestError, type Router } from "../rest/router.ts";
import type { WebAsset, WebAssets } from "./bundle.ts";

export interface WebRouteOptions {
  readonly assets: WebAssets;
  /**
   * What `/server.json` answers: the bound ports (ws, wss, rtmp, ...) so the pages connect to this
   * server whatever its configuration. Read on every request: ports are bound after the routes exist.
   */
  readonly serverInfo?: () => ServerInfo;
}

/** Nothing secret: the same a port scan would show. */
export interface ServerInfo {
  readonly version: string;
  readonly ports: Readonly<Record<string, number>>;
}

export const SERVER_INFO_PATH = "/server.json";

const IMMUTABLE = "public, max-age=31536000, immutable";
/**
 * The pages load only their own bundled scripts and styles, talk to the REST port and the
 * signaling WebSocket (another port, so ws: and wss:), and may not be framed (clickjacking).
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};
const REVALIDATE = "no-cache";

/** The asset a request path names: `/` is the index page; anything else must match exactly. */
export function assetFor(assets: WebAssets, path: string): WebAsset | undefined {
  return assets.get(path === "/" ? "/index.html" : path);
}

function notFound(res: ServerResponse, path: string): void {
  sendRestError(res, new RestError(REST_ERR.NOT_FOUND, `no such resource: ${path}`), { "Cache-Control": REVALIDATE });
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

export function serveWebAsset(assets: WebAssets, req: IncomingMessage, res: ServerResponse, path: string): void {
  const asset = assetFor(assets, path);
  if (!asset) return notFound(res, path);
  const headers = {
    ...PAGE_SECURITY_HEADERS,
    "Content-Type": asset.contentType,
    "Cache-Control": asset.immutable ? IMMUTABLE : REVALIDATE,
    ETag: asset.etag,
  };
  if (etagMatches(req.headers["if-none-match"], asset.etag)) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, "Content-Length": asset.body.byteLength });
  if (req.method === "HEAD") return void res.end();
  res.end(asset.body);
}

function serveServerInfo(res: ServerResponse, info: ServerInfo): void {
  const body = JSON.stringify(info);
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" }).end(body);
}

/**
 * Registers the pages as the router's catch-all GET prefix `/`. The router tries prefixes in the
 * order they were registered, so call this AFTER every other `getPrefix` and `getSuffix` (HTTP-FLV's `.flv`);
 * JSON routes (`/rest-api/*`) always win over prefixes.
 */
export function registerWebRoutes(router: Router, options: WebRouteOptions): void {
  const { serverInfo } = options;
  router.getPrefix("/", (req, res, path) => {
    if (path === SERVER_INFO_PATH && serverInfo) return serveServerInfo(res, serverInfo());
    serveWebAsset(options.assets, req, res, path);
  });
}
