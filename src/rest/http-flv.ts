/**
 * HTTP-FLV: `GET /<app>/<name>.flv` streams a published stream as an FLV (header, onMetaData,
 * sequence headers, frames from the next keyframe) until the stream ends or the client leaves.
 * A stream plays under the RTMP application it was published to, as on nginx-rtmp, SRS and
 * MediaMTX (`rtmp://host/other/cam` -> `/other/cam.flv`); streams from WebRTC, SIP, relays and WHIP
 * under `live`. 404 when the name is not published (unlike RTMP play, HTTP clients are not kept
 * waiting) and when it is published under another application (the body names its URL).
 * A slow client is bounded by `rtmp_send_queue_ms` like any other sink.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FlvAudioFeeds } from "../core/stream/flv-audio.ts";
import { FlvSink, flvByteTarget, flvTracksOf } from "../core/stream/flv-sink.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import type { Stream } from "../core/stream/stream.ts";
import { metadataOf, playAppOf } from "../core/ingest/rtmp-ingest.ts";
import { createLogger } from "../log.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { sendRestError, type Router } from "./router.ts";

const log = createLogger("http-flv");
const HTTP_FLV_SUFFIX = ".flv";
/** The route's path in the API description. */
const HTTP_FLV_TEMPLATE = "/{app}/{stream}.flv";

/** One reading of an HTTP-FLV path: the application and the stream name. */
export interface FlvRequest {
  readonly app: string;
  readonly name: string;
}

/**
 * The readings of a decoded request path `/<app>/<name>.flv`, shortest application first: an
 * application may hold `/` (`app/instance`) and so may a name (`%2F` in the URL), so
 * `/a/b/c.flv` reads as a + b/c and as a/b + c. None when a segment is empty, `.` or `..`
 * (dot segments are never resolved to another stream) or the path does not end in `.flv`.
 */
export function flvRequests(path: string): FlvRequest[] {
  if (!path.startsWith("/") || !path.endsWith(HTTP_FLV_SUFFIX)) return [];
  const segments = path.slice(1, -HTTP_FLV_SUFFIX.length).split("/");
  if (segments.length < 2 || segments.some((s) => s === "" || s === "." || s === "..")) return [];
  return segments.slice(1).map((_, i) => ({ app: segments.slice(0, i + 1).join("/"), name: segments.slice(i + 1).join("/") }));
}

/** Where a stream plays over HTTP-FLV, URL-encoded. */
function flvPathOf(stream: Stream): string {
  const app = playAppOf(stream).split("/").map(encodeURIComponent).join("/");
  return `/${app}/${encodeURIComponent(stream.name)}${HTTP_FLV_SUFFIX}`;
}

/**
 * Registers HTTP-FLV on the router (every GET path ending in `.flv`), behind the REST users when
 * there are any; `flvAudio` gives players AAC for a stream's Opus.
 */
export function registerHttpFlv(router: Router, hub: StreamHub, queueMs = 3000, flvAudio?: FlvAudioFeeds): void {
  router.getSuffix(HTTP_FLV_SUFFIX, HTTP_FLV_TEMPLATE, (req, res, path) => serveHttpFlv(hub, queueMs, req, res, path, flvAudio), true);
}

function notFound(res: ServerResponse, message: string): void {
  sendRestError(res, new RestError(REST_ERR.NOT_FOUND, message));
}

/** The stream a reading names here: one under its application first, else one under another. */
function localMatch(hub: StreamHub, requests: readonly FlvRequest[]): { request: FlvRequest; stream: Stream } | undefined {
  const found = requests.flatMap((request) => {
    const stream = hub.get(request.name);
    return stream && !stream.isEnded ? [{ request, stream }] : [];
  });
  return found.find((f) => playAppOf(f.stream) === f.request.app) ?? found[0];
}

export function serveHttpFlv(hub: StreamHub, queueMs: number, req: IncomingMessage, res: ServerResponse, path: string, flvAudio?: FlvAudioFeeds): void {
  const requests = flvRequests(path);
  const first = requests[0];
  if (!first) return notFound(res, `no such resource: ${path} (HTTP-FLV plays /<app>/<name>.flv: /live/<name>.flv, or the RTMP application the stream was published to)`);
  const local = localMatch(hub, requests);
  if (local) return serveIfUnderApp(local.stream, local.request, queueMs, req, res, flvAudio);
  // a cluster node pulls the stream from the node that has it first
  void hub.resolve(first.name).then((remote) => {
    if (res.destroyed) return;
    if (remote && !remote.isEnded) serveIfUnderApp(remote, first, queueMs, req, res, flvAudio);
    else notFound(res, `stream is not published: ${first.name}`);
  });
}

function serveIfUnderApp(stream: Stream, request: FlvRequest, queueMs: number, req: IncomingMessage, res: ServerResponse, flvAudio: FlvAudioFeeds | undefined): void {
  const app = playAppOf(stream);
  if (app !== request.app) return notFound(res, `stream ${stream.name} is published under the application "${app}", not "${request.app}": it plays at ${flvPathOf(stream)}`);
  serveStream(stream, queueMs, req, res, flvAudio);
}

function serveStream(stream: Stream, queueMs: number, req: IncomingMessage, res: ServerResponse, flvAudio: FlvAudioFeeds | undefined): void {
  const name = stream.name;
  const { hasVideo, hasAudio } = flvTracksOf(stream, flvAudio !== undefined);
  res.writeHead(200, { "Content-Type": "video/x-flv", "Cache-Control": "no-cache", Connection: "close" });
  if (req.method === "HEAD") return void res.end();
  const flags = hasVideo || hasAudio ? { hasVideo, hasAudio } : { hasVideo: true, hasAudio: true };
  const sink = new FlvSink({ target: flvByteTarget(res, flags), queueMs, publisherMetadata: () => metadataOf(stream) });
  const detach = flvAudio ? flvAudio.attach(stream, sink, "flv") : stream.addSink(sink, "flv");
  res.on("drain", () => sink.drain());
  res.on("close", () => {
    detach();
    log.debug("HTTP-FLV client left", { name, sent: sink.stats.sent, droppedVideo: sink.stats.droppedVideo });
  });
  log.info("HTTP-FLV playing", { name, peer: req.socket.remoteAddress });
}
