/**
 * RTMP target URLs in every form the WCS product docs use (DESIGN "Republishing to RTMP"):
 *   rtmp://host[:port]/app                      app "app", stream = prefix + streamName
 *   rtmp://host[:port]/                         app "" (legal in connect; most servers refuse it)
 *   rtmp://host/app/instance                    app "app/instance"
 *   rtmp://host/app/?k=v&...                    the query stays in the connect app: "app/?k=v&..."
 *   rtmp://user:pass@host/app                   credentials for adobe/llnw authentication
 *   rtmp://host/app[/instance]/stream (full)    the last path segment is the stream name
 * rtmps:// is the same over TLS (default port 443).
 */
import { RTMP_ERR, RtmpError } from "../errors.ts";

export interface RtmpTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** the `app` of connect, with a query string when the URL had one */
  readonly app: string;
  /** the `tcUrl` of connect: scheme://host:port/app */
  readonly tcUrl: string;
  /** the name given to releaseStream, FCPublish and publish */
  readonly streamName: string;
  readonly user?: string;
  readonly password?: string;
}

export interface TargetOptions {
  /** stream name for the non-full form (the prefix is put before it) */
  readonly streamName?: string;
  /** the URL already ends with the stream name */
  readonly fullUrl?: boolean;
  /** rtmp_transponder_stream_name_prefix */
  readonly prefix?: string;
}

export class RtmpUrlError extends RtmpError {
  constructor(message: string) {
    super(RTMP_ERR.URL, message);
  }
}

function splitUrl(url: string): { scheme: string; auth: string; hostPort: string; path: string; query: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/i.exec(url.trim());
  if (!m) throw new RtmpUrlError(`not a URL: ${JSON.stringify(url)}`);
  const authority = m[2]!;
  const at = authority.lastIndexOf("@");
  return { scheme: m[1]!.toLowerCase(), auth: at >= 0 ? authority.slice(0, at) : "", hostPort: at >= 0 ? authority.slice(at + 1) : authority, path: m[3]!, query: m[4] ?? "" };
}

function parseHostPort(hostPort: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(hostPort);
  if (!m || m[1] === "") throw new RtmpUrlError(`bad host in RTMP URL: ${JSON.stringify(hostPort)}`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) throw new RtmpUrlError(`bad port in RTMP URL: ${m[2]}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export function parseRtmpTarget(url: string, options: TargetOptions = {}): RtmpTarget {
  const parts = splitUrl(url);
  if (parts.scheme !== "rtmp" && parts.scheme !== "rtmps") throw new RtmpUrlError(`unsupported scheme ${parts.scheme}: (use rtmp:// or rtmps://)`);
  const secure = parts.scheme === "rtmps";
  const { host, port } = parseHostPort(parts.hostPort, secure ? 443 : 1935);
  const segments = parts.path.split("/").filter((s) => s !== "");
  let streamName: string;
  let appSegments: string[];
  let query = parts.query;
  if (options.fullUrl) {
    if (segments.length < 2) throw new RtmpUrlError("a full RTMP URL needs an app and a stream name: rtmp://host/app/stream");
    streamName = decodeURIComponent(segments[segments.length - 1]!) + query;
    query = "";
    appSegments = segments.slice(0, -1);
  } else {
    if (!options.streamName) throw new RtmpUrlError("no stream name for the RTMP URL");
    streamName = (options.prefix ?? "") + options.streamName;
    appSegments = segments;
  }
  // "app/?k=v" keeps its slash before the query, as the WCS capture shows: connect('live/?user1&pass1').
  const trailingSlash = query !== "" && parts.path.endsWith("/") ? "/" : "";
  const app = appSegments.map(decodeURIComponent).join("/") + trailingSlash + query;
  const [user, password] = parts.auth === "" ? [] : splitCredentials(parts.auth);
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  return { secure, host, port, app, tcUrl: `${parts.scheme}://${hostInUrl}:${port}/${app}`, streamName, user, password };
}

function splitCredentials(auth: string): [string, string | undefined] {
  const colon = auth.indexOf(":");
  if (colon < 0) return [decodeURIComponent(auth), undefined];
  return [decodeURIComponent(auth.slice(0, colon)), decodeURIComponent(auth.slice(colon + 1))];
}

/** The URL as it may be shown to users: no password, no secret query values. */
export { maskCredentials as displayUrl } from "../../credentials.ts";
