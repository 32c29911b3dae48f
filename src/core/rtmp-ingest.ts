/**
 * Glue between the embedded RTMP server and the stream hub:
 *
 *   publish  -> hub.publish(name) (a name in use: NetStream.Publish.BadName); the publisher's
 *               configs, frames and onMetaData go to the stream; with `rtmp.record` an FlvSink
 *               writes `record_dir/<name>-<ms since epoch>.flv`
 *   play     -> an FlvSink per player (configs, then frames from the next keyframe, bounded by
 *               `rtmp_send_queue_ms`). A name that is not published yet is waited for, and a player
 *               stays after an unpublish until the name is published again, as nginx-rtmp does with
 *               its default `idle_streams on`.
 */
import { constants, createWriteStream, mkdirSync } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../config.ts";
import { credentialsMatch } from "../credentials.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Amf0Value } from "../flv/amf0.ts";
import { createLogger } from "../log.ts";
import type { PlayHandle, PlayOutput, PublishAnswer, PublisherControl, RtmpServerHandler, StreamRequest } from "../rtmp/server/handler.ts";
import { RtmpServer } from "../rtmp/server/server.ts";
import { flvByteTarget, FlvSink } from "./flv-sink.ts";
import { StreamNameInUseError, StreamNameError, type StreamHub } from "./hub.ts";
import type { MediaSource } from "./media-sink.ts";
import type { Stream } from "./stream.ts";

const log = createLogger("rtmp.ingest");
const CREDENTIALS_HINT = "add ?user=<user>&pass=<password> to the stream name (or to the app)";

/** The onMetaData properties each RTMP-published stream's publisher sent (for players' onMetaData). */
const publisherMetadata = new WeakMap<Stream, Readonly<Record<string, Amf0Value>>>();

export function metadataOf(stream: Stream): Readonly<Record<string, Amf0Value>> | undefined {
  return publisherMetadata.get(stream);
}

export type RtmpIngestConfig = Pick<Config, "rtmp.record" | "record_dir" | "rtmp_send_queue_ms"> & Partial<Pick<Config, "rtmp.publish_idle_timeout" | "max_connections_per_address">>;

/** A file-system safe form of a stream name for recordings. */
export function recordingName(name: string, now = Date.now()): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "stream"}-${now}.flv`;
}

/** Kernel file systems where "files" are not storage (creating one there can hang or do harm). */
const PSEUDO_FS = /^\/(proc|sys|dev)(\/|$)/;

/**
 * Checked once at start when `rtmp.record` is on, so a bad record_dir is a clear error then and not
 * a hang or a failure at each publish: not on /proc, /sys or /dev, created if missing, writable.
 */
export async function checkRecordDir(dir: string): Promise<void> {
  const path = resolve(dir);
  if (PSEUDO_FS.test(path)) throw new ConfigError("record_dir", `${path} is on a kernel file system (/proc, /sys, /dev), not storage`);
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.W_OK);
  } catch (err) {
    throw new ConfigError("record_dir", `${path} cannot be used for recordings: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

/** Attaches a recording to a stream; returns the file path. */
export function recordStream(stream: Stream, dir: string, queueMs: number): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, recordingName(stream.name));
  const file = createWriteStream(path);
  file.on("error", (err) => log.warn("recording failed", { name: stream.name, path, error: err.message }));
  const sink = new FlvSink({ target: flvByteTarget(file, { hasAudio: true, hasVideo: true }, 16 * 1024 * 1024), queueMs, publisherMetadata: () => metadataOf(stream) });
  file.on("drain", () => sink.drain());
  stream.addSink(sink);
  log.info("recording", { name: stream.name, path });
  return path;
}

/**
 * Calls `onIdle` once when `touch` was not called for `timeoutMs` (0: never), so a publisher that
 * went silent does not keep its name for ever (the real one coming back would get BadName).
 */
function idleWatch(timeoutMs: number, onIdle: (ms: number) => void): { touch(): void; stop(): void } {
  if (timeoutMs <= 0) return { touch: () => undefined, stop: () => undefined };
  let last = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - last < timeoutMs) return;
    clearInterval(timer);
    onIdle(timeoutMs);
  }, Math.min(1000, timeoutMs));
  timer.unref();
  return { touch: () => void (last = Date.now()), stop: () => clearInterval(timer) };
}

export class RtmpIngest implements RtmpServerHandler {
  private readonly hub: StreamHub;
  private readonly config: RtmpIngestConfig;
  /** paths of the recordings started, newest last */
  readonly recordings: string[] = [];

  private readonly users: ReadonlyMap<string, string>;

  /** `users`: the REST users; when there are any, publishing needs `?user=<name>&pass=<password>`. */
  constructor(hub: StreamHub, config: RtmpIngestConfig, users: ReadonlyMap<string, string> = new Map()) {
    this.hub = hub;
    this.config = config;
    this.users = users;
  }

  publish(request: StreamRequest, control: PublisherControl): PublishAnswer {
    if (!this.authorized(request)) {
      log.warn("RTMP publish refused: bad or missing credentials", { name: request.name, peer: request.peer });
      return { ok: false, code: "NetStream.Publish.Rejected", description: `authentication required: ${CREDENTIALS_HINT}` };
    }
    const source: MediaSource = { kind: "rtmp", requestKeyframe: () => {}, stop: (reason) => control.stop(reason) };
    let stream: Stream;
    try {
      stream = this.hub.publish(request.name, source);
    } catch (err) {
      if (err instanceof StreamNameInUseError) return { ok: false, code: "NetStream.Publish.BadName", description: `${request.name} is already published.` };
      if (err instanceof StreamNameError) return { ok: false, code: "NetStream.Publish.BadName", description: `${err.message}.` };
      throw err;
    }
    if (this.config["rtmp.record"]) {
      try {
        this.recordings.push(recordStream(stream, this.config.record_dir, this.config.rtmp_send_queue_ms));
      } catch (err) {
        log.warn("recording not started", { name: request.name, error: errorMessage(err) });
      }
    }
    const idle = idleWatch(this.config["rtmp.publish_idle_timeout"] ?? 0, (ms) => control.stop(`no media for ${ms} ms: the publisher is idle`));
    return {
      ok: true,
      target: {
        metadata: (properties) => (idle.touch(), publisherMetadata.set(stream, properties)),
        config: (config) => (idle.touch(), stream.setConfig(config)),
        frame: (frame) => (idle.touch(), stream.pushFrame(frame)),
        end: (reason) => (idle.stop(), this.hub.unpublish(stream, reason)),
      },
    };
  }

  refusePlay(request: StreamRequest): { code: string; description: string } | undefined {
    if (this.authorized(request)) return undefined;
    log.warn("RTMP play refused: bad or missing credentials", { name: request.name, peer: request.peer });
    return { code: "NetStream.Play.Failed", description: `authentication required: ${CREDENTIALS_HINT}` };
  }

  /** Credentials from the stream name's query or the app's (`live?user=..&pass=..`), as encoders send them. */
  private authorized(request: StreamRequest): boolean {
    if (this.users.size === 0) return true;
    for (const query of [request.query, request.app.includes("?") ? request.app.slice(request.app.indexOf("?") + 1) : ""]) {
      const params = new URLSearchParams(query);
      const user = params.get("user") ?? params.get("username");
      const password = params.get("pass") ?? params.get("password");
      if (user !== null && password !== null && credentialsMatch(this.users, user, password)) return true;
    }
    return false;
  }

  play(request: StreamRequest, output: PlayOutput): PlayHandle {
    let sink: FlvSink | undefined;
    let detach: (() => void) | undefined;
    let unlisten: (() => void) | undefined;
    let stopped = false;
    const attach = (stream: Stream): void => {
      const current = new FlvSink({
        target: {
          send: (tags) => output.send(tags),
          get congested() {
            return output.congested;
          },
          end: (reason) => {
            output.end(reason);
            if (sink === current) sink = undefined;
            detach = undefined;
            if (!stopped) wait();
          },
        },
        queueMs: this.config.rtmp_send_queue_ms,
        publisherMetadata: () => metadataOf(stream),
      });
      sink = current;
      detach = stream.addSink(current);
    };
    const wait = (): void => {
      const existing = this.hub.get(request.name);
      if (existing && !existing.isEnded) return attach(existing);
      unlisten = this.hub.listen({
        published: (stream) => {
          if (stream.name !== request.name || stopped) return;
          unlisten?.();
          unlisten = undefined;
          attach(stream);
        },
      });
    };
    wait();
    return {
      drain: () => sink?.drain(),
      stop: () => {
        stopped = true;
        unlisten?.();
        detach?.();
        sink = undefined;
      },
    };
  }
}

export interface RtmpServerHandle {
  readonly port: number;
  readonly ingest: RtmpIngest;
  close(): Promise<void>;
}

/** Starts the embedded RTMP server on `rtmp.port` (0 = any free port) bound to `bind_address`. */
export async function startRtmpServer(options: {
  config: RtmpIngestConfig & Pick<Config, "rtmp.port" | "rtmp.handshake_timeout" | "rtmp.max_message_size" | "bind_address">;
  hub: StreamHub;
  /** REST users: with any, publishing needs credentials */
  users?: ReadonlyMap<string, string>;
}): Promise<RtmpServerHandle> {
  const { config, hub } = options;
  const ingest = new RtmpIngest(hub, config, options.users);
  const server = new RtmpServer({ handler: ingest, handshakeTimeoutMs: config["rtmp.handshake_timeout"], maxMessageSize: config["rtmp.max_message_size"], ...(config.max_connections_per_address ? { maxConnectionsPerAddress: config.max_connections_per_address } : {}) });
  const port = await server.listen(config["rtmp.port"], config.bind_address);
  log.info("RTMP server listening", { port });
  return { port, ingest, close: () => server.close() };
}
