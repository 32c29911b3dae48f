/**
 * Where the pages connect: the WebSocket signaling URL (same host, ws for http pages and wss for
 * https, on the ports the serving Transpond listens on: `/server.json`) and the default RTMP target
 * (the embedded RTMP server). Without `/server.json` (a page served elsewhere) the Flashphoner
 * demo ports apply: ws 8080, wss 8443, RTMP 1935. Query parameters still override:
 * `?server=wss://host:port`, `?wsPort=9080`, `?rtmpUrl=...`.
 * Pure functions over a location-like object so they run in tests without a browser.
 */

export interface PageLocation {
  readonly protocol: string;
  readonly hostname: string;
  readonly search: string;
}

/** The bound ports of the server that served the page (`/server.json`); a listener that is off is absent. */
export interface ServerPorts {
  readonly ws?: number;
  readonly wss?: number;
  readonly rtmp?: number;
}

export const DEFAULT_PORTS: Required<ServerPorts> = { ws: 8080, wss: 8443, rtmp: 1935 };
export const SERVER_INFO_PATH = "/server.json";

/** IPv6 literals go in brackets inside a URL. */
function hostForUrl(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

function validPort(value: unknown): number | undefined {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The ports in a `/server.json` answer; anything that is not one reads as absent. */
export function decodeServerPorts(value: unknown): ServerPorts | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const ports = (value as { ports?: unknown }).ports;
  if (typeof ports !== "object" || ports === null) return undefined;
  const p = ports as Record<string, unknown>;
  return { ws: validPort(p.ws), wss: validPort(p.wss), rtmp: validPort(p.rtmp) };
}

const isSecure = (location: PageLocation) => location.protocol === "https:";

/** The signaling URL for a page at `location` served by a server listening on `ports` (undefined: not known). */
export function signalingUrl(location: PageLocation, ports?: ServerPorts): string {
  const params = new URLSearchParams(location.search);
  const server = params.get("server");
  if (server !== null && /^wss?:\/\/[^\s/]+/i.test(server)) return server;
  const secure = isSecure(location);
  const served = ports ? (secure ? ports.wss : ports.ws) : undefined;
  const port = validPort(params.get("wsPort")) ?? served ?? (secure ? DEFAULT_PORTS.wss : DEFAULT_PORTS.ws);
  return `${secure ? "wss" : "ws"}://${hostForUrl(location.hostname)}:${port}`;
}

/**
 * What a page says before connecting when the server it came from does not listen on the signaling
 * scheme the page needs (an https page and wss.port=0); empty when nothing is wrong.
 */
export function signalingWarning(location: PageLocation, ports?: ServerPorts): string {
  if (!ports || new URLSearchParams(location.search).has("server")) return "";
  if (isSecure(location) && ports.wss === undefined) return "this server has no wss listener (wss.port=0): an https page cannot use ws; set wss.port or open the page over http";
  if (!isSecure(location) && ports.ws === undefined) return "this server has no ws listener (ws.port=0): set ws.port or open the page over https";
  return "";
}

/** The message for a signaling URL the page could not reach: the URL and what to check. */
export function unreachableMessage(url: string): string {
  const secure = url.toLowerCase().startsWith("wss:");
  const key = secure ? "wss.port" : "ws.port";
  const tls = secure ? `; with a self-signed certificate, open ${url.replace(/^wss/i, "https")} in this browser once and accept it` : "";
  return `cannot reach the signaling server at ${url}: check that Transpond is running and listens there (${key}), and that no firewall or proxy blocks WebSocket${tls}`;
}

/** The RTMP URL the publisher page offers by default: the embedded server's `live` app. */
export function defaultRtmpUrl(location: PageLocation, ports?: ServerPorts): string {
  const params = new URLSearchParams(location.search);
  const given = params.get("rtmpUrl");
  if (given !== null && /^rtmps?:\/\//i.test(given)) return given;
  return `rtmp://${hostForUrl(location.hostname || "localhost")}:${ports?.rtmp ?? DEFAULT_PORTS.rtmp}/live`;
}

/** The ports of the server that served the page, or undefined when it does not say (older or other server). */
export async function fetchServerPorts(): Promise<ServerPorts | undefined> {
  try {
    const response = await fetch(SERVER_INFO_PATH, { cache: "no-store" });
    return response.ok ? decodeServerPorts(await response.json()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP-FLV address of a stream on the server that serves the page: under the RTMP application
 * it was published to (the stream object's `rtmpApp`), `live` for streams from browsers, SIP, relays.
 */
export function httpFlvPath(streamName: string, app = "live"): string {
  return `/${app.split("/").map(encodeURIComponent).join("/")}/${encodeURIComponent(streamName)}.flv`;
}

/** The stream name a page starts with: `?name=` or `stream-` plus four random digits. */
export function initialStreamName(location: PageLocation, random: () => number): string {
  const given = new URLSearchParams(location.search).get("name")?.trim();
  if (given) return given;
  return `stream-${String(Math.floor(random() * 10000)).padStart(4, "0")}`;
}
