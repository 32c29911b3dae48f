/**
 * HTTP-FLV: `GET /live/<name>.flv` streams a published stream as an FLV (header, onMetaData,
 * sequence headers, frames from the next keyframe) until the stream ends or the client leaves.
 * 404 when the name is not published (unlike RTMP play, HTTP clients are not kept waiting).
 * A slow client is bounded by `rtmp_send_queue_ms` like any other sink.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FlvAudioFeeds } from "../core/stream/flv-audio.ts";
import { FlvSink, flvByteTarget, flvTracksOf } from "../core/stream/flv-sink.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import type { Stream } from "../core/stream/stream.ts";
import { metadataOf } from "../core/ingest/rtmp-ingest.ts";
import { createLogger } from "../log.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { sendRestError, type Router } from "./router.ts";

const log = createLogger("http-flv");
export const HTTP_FLV_PREFIX = "/live/";

/**
 * Registers the HTTP-FLV route on the router (prefix `/live/`), behind the REST users when there are
 * any; `flvAudio` gives players AAC for a stream's Opus.
 */
export function registerHttpFlv(router: Router, hub: StreamHub, queueMs = 3000, flvAudio?: FlvAudioFeeds): void {
  router.getPrefix(HTTP_FLV_PREFIX, (req, res, path) => serveHttpFlv(hub, queueMs, req, res, path, flvAudio), true);
}

function notFound(res: ServerResponse, message: string): void {
  sendRestError(res, new RestError(REST_ERR.NOT_FOUND, message));
}

export function serveHttpFlv(hub: StreamHub, queueMs: number, req: IncomingMessage, res: ServerResponse, path: string, flvAudio?: FlvAudioFeeds): void {
  const match = /^\/live\/(.+)\.flv$/.exec(path);
  if (!match) return notFound(res, `no such resource: ${path}`);
  const name = match[1]!;
  const stream = hub.get(name);
  if (!stream) {
    // a cluster node pulls the stream from the node that has it first
    return void hub.resolve(name).then((remote) => {
      if (res.destroyed) return;
      if (remote && !remote.isEnded) serveStream(remote, queueMs, req, res, flvAudio);
      else notFound(res, `stream is not published: ${name}`);
    });
  }
  if (stream.isEnded) return notFound(res, `stream is not published: ${name}`);
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
