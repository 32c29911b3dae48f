/**
 * Glue between the embedded RTMP server and the stream hub:
 *
 *   publish  -> hub.publish(name) (a name in use: NetStream.Publish.BadName); the publisher's
 *               configs, frames and onMetaData go to the stream; with `rtmp.record` an FlvSink
 *               writes `record_dir/<name>-<ms since epoch>.flv`
 *   play     -> an FlvSink per player (configs, then frames from the next keyframe, bounded by
 *               `rtmp_send_queue_ms`). A stream plays under the application it was published to
 *               (streams from WebRTC, SIP, relays and WHIP under `live`), as on nginx-rtmp, SRS and
 *               MediaMTX; another application gets NetStream.Play.StreamNotFound naming the right
 *               URL. A name that is not published yet is waited for `rtmp.play_wait_timeout`
 *               (then StreamNotFound saying what to do), and a player stays after an unpublish
 *               until the name is published again, as nginx-rtmp does with `idle_streams on`.
 *   admission -> with REST users, publish and play need their credentials (or a token) in the
 *               stream name's or the app's query; then the `connect`, `publishStream` and
 *               `playStream` REST hooks are asked as for WebSocket clients, a refusal carrying
 *               WCS's "Restricted access"
 */
import { constants, createWriteStream, mkdirSync } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../../config.ts";
import type { AccessTokens } from "../../access-tokens.ts";
import { credentialsMatch } from "../../credentials.ts";
import { ConfigError, errorMessage } from "../../errors.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { createLogger } from "../../log.ts";
import type { ConnectRequest, PlayHandle, PlayOutput, PublishAnswer, PublisherControl, Refusal, RtmpServerHandler, StreamRequest } from "../../rtmp/server/handler.ts";
import { RtmpServer } from "../../rtmp/server/server.ts";
import type { FlvAudioFeeds } from "../stream/flv-audio.ts";
import { flvByteTarget, FlvSink } from "../stream/flv-sink.ts";
import { StreamNameInUseError, StreamNameError, type StreamHub } from "../stream/hub.ts";
import type { MediaSource } from "../stream/media-sink.ts";
import type { Stream } from "../stream/stream.ts";

const log = createLogger("rtmp.ingest");
/** WCS's refusal text (agent/signaling/messages.ts INFO.RESTRICTED_ACCESS) */
const RESTRICTED_ACCESS = "Restricted access";
/** Query items that are the REST user's password: checked here, never passed on to a hook. */
const PASSWORD_PARAMS = new Set(["pass", "password"]);
const CREDENTIALS_HINT = "add ?user=<user>&pass=<password> or ?token=<token from /rest-api/auth/token> to the stream name (or to the app)";

/** The onMetaData properties each RTMP-published stream's publisher sent (for players' onMetaData). */
const publisherMetadata = new WeakMap<Stream, Readonly<Record<string, Amf0Value>>>();

export function metadataOf(stream: Stream): Readonly<Record<string, Amf0Value>> | undefined {
  return publisherMetadata.get(stream);
}

/** The application streams without an RTMP publisher (WebRTC, SIP, relays, WHIP) play under. */
export const DEFAULT_PLAY_APP = "live";
/** The application a stream plays under, over RTMP (`rtmp://host/<app>/<name>`) and HTTP-FLV (`/<app>/<name>.flv`). */
export function playAppOf(stream: Stream): string {
  return stream.info.rtmpApp ?? DEFAULT_PLAY_APP;
}

export type RtmpIngestConfig = Pick<Config, "rtmp.record" | "record_dir" | "rtmp_send_queue_ms"> & Partial<Pick<Config, "rtmp.publish_idle_timeout" | "rtmp.play_wait_timeout" | "max_connections_per_address">>;

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

/** Attaches a recording to a stream (its Opus as AAC through `flvAudio`); returns the file path. */
export function recordStream(stream: Stream, dir: string, queueMs: number, flvAudio?: FlvAudioFeeds): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, recordingName(stream.name));
  const file = createWriteStream(path);
  file.on("error", (err) => log.warn("recording failed", { name: stream.name, path, error: err.message }));
  const sink = new FlvSink({ target: flvByteTarget(file, { hasAudio: true, hasVideo: true }, 16 * 1024 * 1024), queueMs, publisherMetadata: () => metadataOf(stream) });
  file.on("drain", () => sink.drain());
  if (flvAudio) flvAudio.attach(stream, sink, "record");
  else stream.addSink(sink, "record");
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

/** A direct REST hook invocation (`connect`, `publishStream`, `playStream`): false refuses. */
export type RtmpAuthorize = (action: "connect" | "publishStream" | "playStream", body: Record<string, unknown>) => Promise<boolean>;

export interface RtmpAccess {
  /** the REST users: when there are any, publish and play need `?user=<name>&pass=<password>` or `?token=` */
  readonly users?: ReadonlyMap<string, string>;
  /** tokens from /rest-api/auth/token */
  readonly tokens?: AccessTokens;
  /** the REST hooks, when `rest_hook_url` is set */
  readonly authorize?: RtmpAuthorize;
}

/** The query items of an RTMP app or name without the password, as a hook's `custom`. */
function hookCustom(...queries: string[]): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const query of queries) for (const [k, v] of new URLSearchParams(query)) if (!PASSWORD_PARAMS.has(k)) custom[k] = v;
  return custom;
}

function splitApp(app: string): { app: string; query: string } {
  const q = app.indexOf("?");
  return q < 0 ? { app, query: "" } : { app: app.slice(0, q), query: app.slice(q + 1) };
}

/** The application of a request without its query and trailing slashes (`live/?k=v` is `live`). */
function requestApp(request: StreamRequest): string {
  return splitApp(request.app).app.replace(/\/+$/, "") || DEFAULT_PLAY_APP;
}

/** The player's URL with `app` in place of the one it asked for (from its tcUrl's scheme and host). */
function playUrl(request: StreamRequest, app: string): string {
  const origin = /^rtmp\w*:\/\/[^/?]+/i.exec(request.tcUrl)?.[0] ?? "rtmp://<host>";
  return `${origin}/${app}/${request.name}`;
}

/** NetStream.Play.StreamNotFound for a player that asked for `stream` under another application. */
function wrongApp(request: StreamRequest, stream: Stream): Refusal {
  const app = playAppOf(stream);
  return { code: "NetStream.Play.StreamNotFound", description: `${request.name} is published under the application "${app}", not "${requestApp(request)}": play ${playUrl(request, app)}` };
}

/** NetStream.Play.StreamNotFound for a player that waited `ms` for a name nobody published. */
function notPublished(request: StreamRequest, ms: number): Refusal {
  const description = `${request.name} is not published (waited ${ms / 1000} s): publish to ${playUrl(request, requestApp(request))} first, or check the name; GET /rest-api/stream/find_all lists the published streams`;
  return { code: "NetStream.Play.StreamNotFound", description };
}

export class RtmpIngest implements RtmpServerHandler {
  private readonly hub: StreamHub;
  private readonly config: RtmpIngestConfig;
  /** paths of the recordings started, newest last */
  readonly recordings: string[] = [];

  private readonly users: ReadonlyMap<string, string>;
  private readonly access: RtmpAccess;

  private readonly flvAudio: FlvAudioFeeds | undefined;

  /** `flvAudio`: AAC for players of streams whose audio FLV cannot carry (Opus from browsers). */
  constructor(hub: StreamHub, config: RtmpIngestConfig, access: RtmpAccess = {}, flvAudio?: FlvAudioFeeds) {
    this.hub = hub;
    this.flvAudio = flvAudio;
    this.config = config;
    this.users = access.users ?? new Map();
    this.access = access;
  }

  async admitConnect(request: ConnectRequest): Promise<Refusal | undefined> {
    if (!this.access.authorize) return undefined;
    const { app, query } = splitApp(request.app);
    const body = { appKey: app, sessionId: `rtmp-${request.connectionId}`, clientVersion: request.flashVer, mediaProviders: ["Flash"], custom: hookCustom(query) };
    if (await this.access.authorize("connect", body).catch(() => false)) return undefined;
    log.warn("RTMP connect refused by the connect REST hook", { app, peer: request.peer });
    return { code: "NetConnection.Connect.Rejected", description: RESTRICTED_ACCESS };
  }

  async admitStream(kind: "publish" | "play", request: StreamRequest): Promise<Refusal | undefined> {
    const refused = kind === "publish" ? "NetStream.Publish.Rejected" : "NetStream.Play.Failed";
    if (!this.authorized(request)) {
      log.warn(`RTMP ${kind} refused: bad or missing credentials`, { name: request.name, peer: request.peer });
      return { code: refused, description: `${RESTRICTED_ACCESS}: authentication required: ${CREDENTIALS_HINT}` };
    }
    const playing = kind === "play" ? this.hub.get(request.name) : undefined;
    if (playing && playAppOf(playing) !== requestApp(request)) {
      log.info("RTMP play refused: the stream is published under another application", { app: request.app, name: request.name, peer: request.peer });
      return wrongApp(request, playing);
    }
    if (!this.access.authorize) return undefined;
    const published = kind === "publish";
    const body = {
      name: request.name,
      mediaSessionId: `rtmp-${request.connectionId}-${request.name}`,
      published,
      hasVideo: true,
      hasAudio: true,
      status: "PENDING",
      info: "",
      mediaProvider: "Flash",
      mediaType: kind,
      sessionId: `rtmp-${request.connectionId}`,
      appKey: splitApp(request.app).app,
      custom: hookCustom(splitApp(request.app).query, request.query),
    };
    if (await this.access.authorize(published ? "publishStream" : "playStream", body).catch(() => false)) return undefined;
    log.warn(`RTMP ${kind} refused by the REST hook`, { name: request.name, peer: request.peer });
    return { code: refused, description: RESTRICTED_ACCESS };
  }

  publish(request: StreamRequest, control: PublisherControl): PublishAnswer {
    const source: MediaSource = { kind: "rtmp", rtmpApp: requestApp(request), requestKeyframe: () => {}, stop: (reason) => control.stop(reason) };
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

  /** Credentials from the stream name's query or the app's (`live?user=..&pass=..`), as encoders send them. */
  private authorized(request: StreamRequest): boolean {
    if (this.users.size === 0) return true;
    for (const query of [request.query, splitApp(request.app).query]) {
      const params = new URLSearchParams(query);
      const user = params.get("user") ?? params.get("username");
      const password = params.get("pass") ?? params.get("password");
      if (user !== null && password !== null && credentialsMatch(this.users, user, password)) return true;
      const token = params.get("token");
      if (token !== null && this.access.tokens?.valid(token)) return true;
    }
    return false;
  }

  play(request: StreamRequest, output: PlayOutput): PlayHandle {
    let sink: FlvSink | undefined;
    let detach: (() => void) | undefined;
    let unlisten: (() => void) | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    let stopped = false;
    const fail = (refusal: Refusal): void => {
      stopped = true;
      clearTimeout(giveUp);
      unlisten?.();
      unlisten = undefined;
      output.fail(refusal);
    };
    const attach = (stream: Stream): void => {
      clearTimeout(giveUp);
      if (playAppOf(stream) !== requestApp(request)) return fail(wrongApp(request, stream));
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
      detach = this.flvAudio ? this.flvAudio.attach(stream, current, "rtmp") : stream.addSink(current, "rtmp");
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
      // a cluster node pulls a stream that lives on another node; the listener above attaches it
      void this.hub.resolve(request.name);
    };
    wait();
    const waitMs = this.config["rtmp.play_wait_timeout"] ?? 0;
    if (!sink && !stopped && waitMs > 0) {
      giveUp = setTimeout(() => {
        log.info("RTMP player gave up: the name was not published in time", { app: request.app, name: request.name, peer: request.peer, waitedMs: waitMs });
        fail(notPublished(request, waitMs));
      }, waitMs);
      giveUp.unref();
    }
    return {
      drain: () => sink?.drain(),
      stop: () => {
        stopped = true;
        clearTimeout(giveUp);
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
  access?: RtmpAccess;
  flvAudio?: FlvAudioFeeds;
}): Promise<RtmpServerHandle> {
  const { config, hub } = options;
  const ingest = new RtmpIngest(hub, config, options.access, options.flvAudio);
  const server = new RtmpServer({ handler: ingest, handshakeTimeoutMs: config["rtmp.handshake_timeout"], maxMessageSize: config["rtmp.max_message_size"], ...(config.max_connections_per_address ? { maxConnectionsPerAddress: config.max_connections_per_address } : {}) });
  const port = await server.listen(config["rtmp.port"], config.bind_address);
  log.info("RTMP server listening", { port });
  return { port, ingest, close: () => server.close() };
}
