/**
 * The running server: builds the stream hub and the jobs around it and starts every listener the
 * config turns on. Each listener is optional (port 0 turns it off) so tests start only what they need.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server } from "node:net";
import { join } from "node:path";
import { agentRelayLink, mediaNetworkConfig, startSignaling, type Signaling } from "./agent/index.ts";
import { readSoundFile } from "./audio/media-path.ts";
import { loadOrCreateCertificate } from "./certificate.ts";
import { makeConfig, type Config, type ConfigOverrides } from "./config.ts";
import { rtmpAudioTarget, TranscodingAudioPath } from "./core/audio-path.ts";
import { CallRegistry } from "./core/calls.ts";
import { checkRecordDir, recordStream, startRtmpServer, type RtmpServerHandle } from "./core/rtmp-ingest.ts";
import { StreamHub } from "./core/hub.ts";
import type { RelayLinkFactory } from "./core/relay/link.ts";
import { RelayError, RelayRegistry } from "./core/relay/relays.ts";
import { OutboundPolicy } from "./core/outbound-policy.ts";
import { rtmpPullLink } from "./core/relay/rtmp-pull-link.ts";
import { RestHooks } from "./core/rest-hooks.ts";
import type { Stream } from "./core/stream.ts";
import { PushError, TransponderRegistry } from "./core/transponders.ts";
import { errorMessage, TranspondError } from "./errors.ts";
import { limitConnectionsPerAddress } from "./connection-limit.ts";
import { createLogger } from "./log.ts";
import { registerCallRoutes } from "./rest/call-routes.ts";
import { registerHttpFlv } from "./rest/http-flv.ts";
import { registerPullRoutes, relayObject } from "./rest/pull-routes.ts";
import { registerPushRoutes } from "./rest/push-routes.ts";
import { accessBanner, restAccess } from "./rest/access.ts";
import { Router } from "./rest/router.ts";
import { loadRestUsers } from "./rest/users.ts";
import { registerStreamRoutes, streamObject } from "./rest/stream-routes.ts";
import { RtmpPublisher } from "./rtmp/client/publisher.ts";
import { registerWebRoutes, webAssets } from "./web/index.ts";

const log = createLogger("app");

export interface App {
  readonly config: Config;
  readonly hub: StreamHub;
  readonly router: Router;
  readonly transponders: TransponderRegistry;
  readonly relays: RelayRegistry;
  readonly calls: CallRegistry;
  /** Bound ports by listener name (http, https, ws, wss, rtmp). */
  readonly ports: Readonly<Record<string, number>>;
  /** Ends every call, transponder and stream and closes every listener. */
  stop(): Promise<void>;
  /** The same as stop() (the name Node's servers use). */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as HttpServer).closeAllConnections?.();
  });
}

/** Seconds, not Node's minutes: a trickled request may not hold a connection for long. */
function httpTimeouts(config: Config): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = config["http.headers_timeout"] * 1000;
  return { headersTimeout, requestTimeout: Math.max(headersTimeout, config["http.request_timeout"] * 1000), connectionsCheckingInterval: 1000 };
}

function restUsers(config: Config): Map<string, string> {
  if (config.disable_rest_auth) return new Map();
  const users = loadRestUsers(config.rest_users, config.rest_users_file);
  if (users.size === 0) log.warn("disable_rest_auth=false but rest_users is empty: every REST request will be refused");
  return users;
}

function makeTransponders(config: Config, hub: StreamHub): TransponderRegistry {
  return new TransponderRegistry({
    hub,
    config,
    connect: (target, flashVer) => new RtmpPublisher(target, { flashVer, maxMessageSize: config["rtmp.max_message_size"] }),
    audioPath: (codec) => new TranscodingAudioPath(rtmpAudioTarget(codec, config.aac_bitrate_stereo), createLogger("push.audio")),
    loadSound: async (name) => {
      try {
        return (await readSoundFile(config.media_dir, name)).pcm;
      } catch (err) {
        const code = err instanceof TranspondError ? err.code : "";
        throw new PushError(code === "ERR_MEDIA_NOT_FOUND" ? 404 : 400, code === "ERR_MEDIA_NOT_FOUND" ? `No such file: ${name}` : errorMessage(err));
      }
    },
  });
}

function makeRelays(config: Config, hub: StreamHub): RelayRegistry {
  const net = mediaNetworkConfig(config);
  const agentLog = createLogger("agent.client");
  const connect: RelayLinkFactory = (spec, delegate) => {
    if (spec.transport === "rtmp") return rtmpPullLink(spec, delegate, { verifyTls: config.wcs_agent_ssl_verify, ca: config.wcs_agent_ssl_ca, maxMessageSize: config["rtmp.max_message_size"] });
    const videoSize = () => {
      const video = hub.get(spec.localStreamName)?.videoConfig;
      return { width: video?.width ?? 0, height: video?.height ?? 0 };
    };
    return agentRelayLink(spec, delegate, { net, verifyTls: config.wcs_agent_ssl_verify, caFile: config.wcs_agent_ssl_ca || undefined, opusBitrate: config.opus_bitrate, videoSize, log: agentLog });
  };
  const destinations = new OutboundPolicy("relay_uri_allow", config.relay_uri_allow);
  const checkDestination = (uri: string) => {
    const refused = destinations.refusal(new URL(uri).hostname);
    if (refused) throw new RelayError(400, `uri: ${refused}`);
  };
  return new RelayRegistry({ hub, config, connect, checkDestination, record: (stream) => recordStream(stream, config.record_dir, config.rtmp_send_queue_ms) });
}

function postTransponderHooks(transponders: TransponderRegistry, hooks: RestHooks): void {
  transponders.on("state", ({ transponder: t, to }) =>
    hooks.post("TransponderStatusEvent", { mediaSessionId: t.options.id, streamName: t.options.target.streamName, rtmpUrl: t.options.displayUrl, status: to, lastError: t.lastError }),
  );
}

/**
 * Starts a gateway. `overrides` is a whole Config (as loadConfig gives it) or only the keys that
 * differ from the defaults (README's configuration table).
 */
export async function startApp(overrides: ConfigOverrides = {}): Promise<App> {
  const config = makeConfig(overrides);
  if (config["rtmp.record"]) await checkRecordDir(config.record_dir);
  const hub = new StreamHub();
  const hooks = new RestHooks({ baseUrl: config.rest_hook_url, secretKey: config.rest_hook_send_hash ? config.rest_hook_secret_key : undefined, log: createLogger("hooks") });
  hub.listen({
    published: (stream) => hooks.post("StreamStatusEvent", streamObject(stream)),
    unpublished: (stream: Stream, reason) => hooks.post("StreamStatusEvent", { ...streamObject(stream), published: false, status: "UNPUBLISHED", info: reason }),
  });
  const transponders = makeTransponders(config, hub);
  postTransponderHooks(transponders, hooks);
  const relays = makeRelays(config, hub);
  relays.on("state", ({ relay }) => hooks.post("RelayStatusEvent", relayObject(relay)));
  const calls = new CallRegistry({ hub, config, transponders, log: createLogger("call"), onCallStatus: (call) => hooks.post("CallStatusEvent", call) });
  const users = restUsers(config);
  const access = restAccess(users.size > 0, config.rest_open_to_network);
  const router = new Router({ allowOrigin: config.rest_access_control_allow_origin, users, loopbackOnly: access === "loopback" });
  registerStreamRoutes(router, hub);
  registerPushRoutes(router, transponders);
  registerPullRoutes(router, relays);
  registerCallRoutes(router, calls);
  registerHttpFlv(router, hub, config.rtmp_send_queue_ms);
  // last: the pages answer every GET path no other route took
  registerWebRoutes(router, { assets: await webAssets() });

  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  let signaling: Signaling | undefined;
  let rtmp: RtmpServerHandle | undefined;
  const close = async () => {
    await calls.close();
    transponders.close();
    relays.close();
    await signaling?.close();
    hub.close("Server shutdown");
    await rtmp?.close();
    await Promise.all(servers.map(closeServer));
  };
  try {
    const host = config.bind_address;
    if (config["http.port"] > 0) {
      const server = createHttpServer(httpTimeouts(config), router.handle);
      limitConnectionsPerAddress(server, config.max_connections_per_address, "http", log);
      servers.push(server);
      ports.http = await listen(server, config["http.port"], host);
    }
    if (config["https.port"] > 0) {
      const pem = await loadOrCreateCertificate(config["https.cert"], config["https.key"], join(config.data_dir, "transpond-tls"));
      const server = createHttpsServer({ ...pem, ...httpTimeouts(config) }, router.handle);
      limitConnectionsPerAddress(server, config.max_connections_per_address, "https", log);
      servers.push(server);
      ports.https = await listen(server, config["https.port"], host);
    }
    if (config["rtmp.port"] > 0) {
      rtmp = await startRtmpServer({ config, hub, users });
      ports.rtmp = rtmp.port;
    }
    signaling = await startSignaling({
      config,
      hub,
      users,
      log: createLogger("signaling"),
      onPublishing: (stream, request) => {
        if (!request.rtmpUrl) return;
        transponders.startup({ streamName: stream.name, rtmpUrl: request.rtmpUrl }).catch((err) => log.warn("createStream rtmpUrl republish failed", { stream: stream.name, error: err as Error }));
      },
    });
    Object.assign(ports, signaling.ports);
  } catch (err) {
    await close();
    throw err;
  }
  log.info("listening", ports);
  if (access === "open") log.warn(accessBanner(access));
  else log.info(accessBanner(access));
  return { config, hub, router, transponders, relays, calls, ports, stop: close, close };
}
