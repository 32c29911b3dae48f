/**
 * Where the pages connect: the WebSocket signaling URL (same host, ws 8080 for http pages and wss
 * 8443 for https, as the Flashphoner demo pages do) and the default RTMP target (the embedded RTMP
 * server). Query parameters override: `?server=wss://host:port`, `?wsPort=9080`, `?rtmpUrl=...`.
 * Pure functions over a location-like object so they run in tests without a browser.
 */

export interface PageLocation {
  readonly protocol: string;
  readonly hostname: string;
  readonly search: string;
}

export const DEFAULT_WS_PORT = 8080;
export const DEFAULT_WSS_PORT = 8443;
export const DEFAULT_RTMP_PORT = 1935;

/** IPv6 literals go in brackets inside a URL. */
function hostForUrl(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

function validPort(text: string | null): number | undefined {
  if (text === null || !/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The signaling URL for a page at `location`. */
export function signalingUrl(location: PageLocation): string {
  const params = new URLSearchParams(location.search);
  const server = params.get("server");
  if (server !== null && /^wss?:\/\/[^\s/]+/i.test(server)) return server;
  const secure = location.protocol === "https:";
  const port = validPort(params.get("wsPort")) ?? (secure ? DEFAULT_WSS_PORT : DEFAULT_WS_PORT);
  return `${secure ? "wss" : "ws"}://${hostForUrl(location.hostname)}:${port}`;
}

/** The RTMP URL the publisher page offers by default: the embedded server's `live` app. */
export function defaultRtmpUrl(location: PageLocation): string {
  const params = new URLSearchParams(location.search);
  const given = params.get("rtmpUrl");
  if (given !== null && /^rtmps?:\/\//i.test(given)) return given;
  return `rtmp://${hostForUrl(location.hostname || "localhost")}:${DEFAULT_RTMP_PORT}/live`;
}

/** The HTTP-FLV address of a stream on the server that serves the page. */
export function httpFlvPath(streamName: string): string {
  return `/live/${encodeURIComponent(streamName)}.flv`;
}

/** The stream name a page starts with: `?name=` or `stream-` plus four random digits. */
export function initialStreamName(location: PageLocation, random: () => number): string {
  const given = new URLSearchParams(location.search).get("name")?.trim();
  if (given) return given;
  return `stream-${String(Math.floor(random() * 10000)).padStart(4, "0")}`;
}
