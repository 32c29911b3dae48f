/**
 * HTTP-FLV: `GET /live/<name>.flv` streams a published stream as an FLV (header, onMetaData,
 * sequence headers, frames from the next keyframe) until the stream ends or the client leaves.
 * 404 when the name is not published (unlike RTMP play, HTTP clients are not kept waiting).
 * A slow client is bounded by `rtmp_send_queue_ms` like any other sink.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FlvSink, flvByteTarget, flvTracksOf } from "../core/flv-sink.ts";
import type { StreamHub } from "../core/hub.ts";
import { metadataOf } from "../core/rtmp-ingest.ts";
import { createLogger } from "../log.ts";
import type { Router } from "./router.ts";

const log = createLogger("http-flv");
export const HTTP_FLV_PREFIX = "/live/";

/** Registers the HTTP-FLV route on the router (prefix `/live/`), behind the REST users when there are any. */
export function registerHttpFlv(router: Router, hub: StreamHub, queueMs = 3000): void {
  router.getPrefix(HTTP_FLV_PREFIX, (req, res, path) => serveHttpFlv(hub, queueMs, req, res, path), true);
}

function notFound(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ status: 404, error: "Not Found", message });
  res.writeHead(404, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
}

export function serveHttpFlv(hub: StreamHub, queueMs: number, req: IncomingMessage, res: ServerResponse, path: string): void {
  const match = /^\/live\/(.+)\.flv$/.exec(path);
  if (!match) return notFound(res, `no such resource: ${path}`);
  const name = match[1]!;
  const stream = hub.get(name);
  if (!stream || stream.isEnded) return notFound(res, `stream is not published: ${name}`);
  const { hasVideo, hasAudio } = flvTracksOf(stream);
  res.writeHead(200, { "Content-Type": "video/x-flv", "Cache-Control": "no-cache", Connection: "close" });
  if (req.method === "HEAD") return void res.end();
  const flags = hasVideo || hasAudio ? { hasVideo, hasAudio } : { hasVideo: true, hasAudio: true };
  const sink = new FlvSink({ target: flvByteTarget(res, flags), queueMs, publisherMetadata: () => metadataOf(stream) });
  const detach = stream.addSink(sink);
  res.on("drain", () => sink.drain());
  res.on("close", () => {
    detach();
    log.debug("HTTP-FLV client left", { name, sent: sink.stats.sent, droppedVideo: sink.stats.droppedVideo });
  });
  log.info("HTTP-FLV playing", { name, peer: req.socket.remoteAddress });
}
