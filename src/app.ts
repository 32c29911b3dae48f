/**
 * The running server: builds the stream hub and the jobs around it and starts every listener the
 * config turns on. Each listener is optional (port 0 turns it off) so tests start only what they need.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { agentRelayLinkOnDemand, configuredEngine, startSignaling, type Signaling } from "./agent/start.ts";
import { WhipSessions } from "./agent/whip/sessions.ts";
import { mediaNetworkConfig } from "./agent/webrtc/network-config.ts";
import { MEDIA_FILE_ERR } from "./audio/errors.ts";
import { readSoundFile } from "./audio/media-path.ts";
import { startBanner } from "./banner.ts";
import { certificateInfo, loadOrCreateCertificate } from "./certificate.ts";
import { makeConfig, type Config, type ConfigOverrides } from "./config.ts";
import { rtmpAudioTarget, TranscodingAudioPath } from "./core/push/audio-path.ts";
import { CallRegistry } from "./core/call/calls.ts";
import { CORE_ERR } from "./core/errors.ts";
import { FlvAudioFeeds } from "./core/stream/flv-audio.ts";
import { checkRecordDir, recordStream, startRtmpServer, type RtmpServerHandle } from "./core/ingest/rtmp-ingest.ts";
import { webrtcStreams } from "./core/ingest/webrtc-ingest.ts";
import { StreamHub } from "./core/stream/hub.ts";
import type { RelayLinkFactory } from "./core/relay/link.ts";
import { RelayError, RelayRegistry } from "./core/relay/relays.ts";
import { OutboundPolicy } from "./core/outbound-policy.ts";
import { codecWorkerCount, MediaWorkers } from "./core/media-workers.ts";
import { rtmpPullLink } from "./core/relay/rtmp-pull-link.ts";
import { RestHooks } from "./rest/hooks.ts";
import type { Stream } from "./core/stream/stream.ts";
import { PushError, TransponderRegistry } from "./core/push/transponders.ts";
import { ConfigError, errorMessage, TranspondError } from "./errors.ts";
import { limitConnectionsPerAddress } from "./connection-limit.ts";
import { createLogger } from "./log.ts";
import type { JobRegistries } from "./cluster/jobs.ts";
import type { ClusterNode } from "./cluster/node.ts";
import { AccessTokens } from "./access-tokens.ts";
import { registerAuthRoutes } from "./rest/auth-routes.ts";
import { registerCallRoutes } from "./rest/call-routes.ts";
import { registerHttpFlv } from "./rest/http-flv.ts";
import { registerPullRoutes } from "./rest/pull-routes.ts";
import { registerPushRoutes } from "./rest/push-routes.ts";
import { restAccess, type RestAccess } from "./rest/access.ts";
import { Router } from "./rest/router.ts";
import { loadRestUsers } from "./rest/users.ts";
import { registerStatsRoutes } from "./rest/stats-routes.ts";
import { registerMetricsRoutes } from "./rest/metrics-routes.ts";
import { registerStreamRoutes } from "./rest/stream-routes.ts";
import { callObject, relayObject, streamObject, transponderStatusEvent, unpublishedStreamEvent } from "./rest/wcs-objects.ts";
import { registerWhipRoutes } from "./rest/whip-routes.ts";
import { grantedReceiveBuffer } from "./rtp/receive-buffer.ts";
import { RtmpPublisher } from "./rtmp/client/publisher.ts";
import { transpondVersion } from "./version.ts";
import { registerWebRoutes, webAssets } from "./web/index.ts";

const log = createLogger("app");

export interface App {
  readonly config: Config;
  readonly hub: StreamHub;
  readonly router: Router;
  readonly transponders: TransponderRegistry;
  readonly relays: RelayRegistry;
  readonly calls: CallRegistry;
  /** the codec workers (`media.workers`) and the node's event-loop health */
  readonly media: MediaWorkers;
  /** this node's part in the cluster (`cluster.redis_url`); undefined when it runs alone */
  readonly cluster?: ClusterNode;
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

const LISTENER_PORT_KEYS = ["http.port", "https.port", "ws.port", "wss.port", "rtmp.port"] as const;

/** Two listeners given one port: the second would fail as "in use" by the first, named as the config mistake it is. */
function checkListenerPorts(config: Config): void {
  const keyOfPort = new Map<number, string>();
  for (const key of LISTENER_PORT_KEYS) {
    const port = config[key];
    if (port === 0) continue;
    const other = keyOfPort.get(port);
    if (other !== undefined) throw new ConfigError(key, `port ${port} is also ${other}: each listener needs its own port`);
    keyOfPort.set(port, key);
  }
}

/** EADDRINUSE named by the config key whose port it is, so the operator knows what to change. */
function portInUse(err: unknown, config: Config): ConfigError | undefined {
  const { code, port, address } = err as NodeJS.ErrnoException & { port?: number; address?: string };
  const key = LISTENER_PORT_KEYS.find((k) => config[k] === port);
  if (code !== "EADDRINUSE" || key === undefined) return undefined;
  return new ConfigError(key, `port ${port} on ${address} is already in use: stop the program listening there or set ${key} to a free port (0 turns this listener off)`);
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

function makeTransponders(config: Config, hub: StreamHub, media: MediaWorkers): TransponderRegistry {
  return new TransponderRegistry({
    hub,
    config,
    connect: (target, flashVer) => new RtmpPublisher(target, { flashVer, maxMessageSize: config["rtmp.max_message_size"] }),
    audioPath: (codec, streamName) => new TranscodingAudioPath(rtmpAudioTarget(codec, config.aac_bitrate_stereo), createLogger("push.audio"), media.transcoderFor(streamName)),
    loadSound: async (name) => {
      try {
        return (await readSoundFile(config.media_dir, name)).pcm;
      } catch (err) {
        const missing = err instanceof TranspondError && err.code === MEDIA_FILE_ERR.NOT_FOUND;
        throw new PushError(missing ? CORE_ERR.NOT_FOUND : CORE_ERR.INVALID, missing ? `No such file: ${name}` : errorMessage(err));
      }
    },
  });
}

function makeRelays(config: Config, hub: StreamHub, media: MediaWorkers, flvAudio: FlvAudioFeeds): RelayRegistry {
  const net = mediaNetworkConfig(config);
  const agentLog = createLogger("agent.client");
  const connect: RelayLinkFactory = (spec, delegate) => {
    if (spec.transport === "rtmp") return rtmpPullLink(spec, delegate, { verifyTls: config.wcs_agent_ssl_verify, ca: config.wcs_agent_ssl_ca, maxMessageSize: config["rtmp.max_message_size"] });
    const videoSize = () => {
      const video = hub.get(spec.localStreamName)?.videoConfig;
      return { width: video?.width ?? 0, height: video?.height ?? 0 };
    };
    const sourceAudio = () => hub.get(spec.localStreamName)?.audioConfig;
    return agentRelayLinkOnDemand(spec, delegate, { net, verifyTls: config.wcs_agent_ssl_verify, caFile: config.wcs_agent_ssl_ca || undefined, opusBitrate: config.opus_bitrate, transcoder: media.transcoderFor(spec.localStreamName), videoSize, sourceAudio, log: agentLog });
  };
  const destinations = new OutboundPolicy("relay_uri_allow", config.relay_uri_allow);
  const checkDestination = (uri: string) => {
    const refused = destinations.refusal(new URL(uri).hostname);
    if (refused) throw new RelayError(CORE_ERR.INVALID, `uri: ${refused}`);
  };
  return new RelayRegistry({ hub, config, connect, checkDestination, record: (stream) => recordStream(stream, config.record_dir, config.rtmp_send_queue_ms, flvAudio) });
}

function postTransponderHooks(transponders: TransponderRegistry, hooks: RestHooks): void {
  transponders.on("state", ({ transponder: t, to }) =>
    hooks.post("TransponderStatusEvent", transponderStatusEvent(t, to)),
  );
}

/**
 * Joins the cluster when `cluster.redis_url` is set: heartbeat, stream map, REST for every node.
 * The cluster's modules load only then: the Redis client alone is about 25 MB of a node's RSS.
 */
async function joinCluster(config: Config, hub: StreamHub, registries: JobRegistries, router: Router, ports: Readonly<Record<string, number>>): Promise<ClusterNode | undefined> {
  if (config["cluster.redis_url"] === "") return undefined;
  const [{ ClusterNode, clusterSettings }, { ClusterJobs }, { EdgePulls }, { registerClusterRoutes }] = await Promise.all([
    import("./cluster/node.ts"),
    import("./cluster/jobs.ts"),
    import("./cluster/edge.ts"),
    import("./rest/cluster-routes.ts"),
  ]);
  const settings = clusterSettings(config, ports.http ?? 0);
  if (!settings) return undefined;
  if (!ports.http) throw new ConfigError("http.port", "must not be 0 in a cluster: other nodes reach this one's REST API over it");
  const cluster = new ClusterNode(settings, hub, ports, createLogger("cluster"));
  const jobs = new ClusterJobs(cluster.store, registries, hub, (name) => cluster.isEdge(name), settings.secret, createLogger("cluster.jobs"));
  cluster.keepJobs(jobs);
  await cluster.start();
  cluster.servePlayers(new EdgePulls(cluster, hub, registries.relays, config["cluster.edge_idle_timeout"], createLogger("cluster.edge")));
  registerClusterRoutes(router, cluster, jobs);
  return cluster;
}

function externalAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => !a.internal && a.family === "IPv4").map((a) => a.address));
}

async function logStartBanner(config: Config, ports: Readonly<Record<string, number>>, access: RestAccess): Promise<void> {
  const tls = ports.https || ports.wss ? certificateInfo(config["https.cert"], join(config.data_dir, "transpond-tls")) : undefined;
  const asked = config.media_receive_buffer;
  // the probe binds a loopback socket; a machine without IPv4 loopback just gets no line
  const granted = asked > 0 ? await grantedReceiveBuffer(asked).catch(() => undefined) : undefined;
  const mediaReceiveBuffer = granted !== undefined ? { asked, granted } : undefined;
  for (const line of startBanner({ version: transpondVersion(), ports, config, access, externalAddresses: externalAddresses(), certificate: tls, mediaReceiveBuffer })) log[line.level](line.text);
}

/**
 * Starts a gateway. `overrides` is a whole Config (as loadConfig gives it) or only the keys that
 * differ from the defaults (README's configuration table).
 */
export async function startApp(overrides: ConfigOverrides = {}): Promise<App> {
  const config = makeConfig(overrides);
  checkListenerPorts(config);
  if (config["rtmp.record"]) await checkRecordDir(config.record_dir);
  const hub = new StreamHub();
  const hooks = new RestHooks({ baseUrl: config.rest_hook_url, secretKey: config.rest_hook_send_hash ? config.rest_hook_secret_key : undefined, log: createLogger("hooks") });
  const media = new MediaWorkers(codecWorkerCount(config["media.workers"]), createLogger("media"));
  hub.listen({
    published: (stream) => {
      // a stream's players, pushes and calls may need its codecs at once: its codec thread starts now
      media.warm(stream.name);
      hooks.post("StreamStatusEvent", streamObject(stream));
    },
    unpublished: (stream: Stream, reason) => hooks.post("StreamStatusEvent", unpublishedStreamEvent(stream, reason)),
  });
  const transponders = makeTransponders(config, hub, media);
  postTransponderHooks(transponders, hooks);
  const flvAudio = new FlvAudioFeeds((streamName) => media.transcoderFor(streamName), config.aac_bitrate_stereo, createLogger("flv-audio"));
  const relays = makeRelays(config, hub, media, flvAudio);
  relays.on("state", ({ relay }) => hooks.post("RelayStatusEvent", relayObject(relay)));
  const calls = new CallRegistry({ hub, config, transponders, transcoders: (streamName) => media.transcoderFor(streamName), log: createLogger("call"), onCallStatus: (call) => hooks.post("CallStatusEvent", callObject(call)) });
  transponders.acceptReservedNames(calls);
  const users = restUsers(config);
  const access = restAccess(users.size > 0, config.rest_open_to_network);
  const router = new Router({ allowOrigin: config.rest_access_control_allow_origin, users, loopbackOnly: access === "loopback" });
  const tokens = new AccessTokens();
  registerAuthRoutes(router, tokens);
  registerStreamRoutes(router, hub);
  registerPushRoutes(router, transponders);
  registerPullRoutes(router, relays);
  registerCallRoutes(router, calls);
  registerHttpFlv(router, hub, config.rtmp_send_queue_ms, flvAudio);
  const engine = configuredEngine(config, createLogger("webrtc"), (streamName) => media.transcoderFor(streamName));
  const whip = new WhipSessions({ engine, streams: webrtcStreams(hub), log: createLogger("whip"), ...(hooks.enabled ? { authorize: (action, body) => hooks.invoke(action, body) } : {}) });
  registerWhipRoutes(router, whip, tokens);
  registerStatsRoutes(router, () => media.health());
  registerMetricsRoutes(router, { version: transpondVersion(), hub, transponders, relays, calls, health: () => media.health() });
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  // last: the pages answer every GET path no other route took
  registerWebRoutes(router, { assets: await webAssets(), serverInfo: () => ({ version: transpondVersion(), ports }) });

  let signaling: Signaling | undefined;
  let rtmp: RtmpServerHandle | undefined;
  let cluster: ClusterNode | undefined;
  const close = async () => {
    await cluster?.stop();
    await calls.close();
    transponders.close();
    relays.close();
    await signaling?.close();
    whip.close();
    hub.close("Server shutdown");
    await rtmp?.close();
    await Promise.all(servers.map(closeServer));
    await media.close();
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
      rtmp = await startRtmpServer({ config, hub, flvAudio, access: { users, tokens, ...(hooks.enabled ? { authorize: (action, body) => hooks.invoke(action, body) } : {}) } });
      ports.rtmp = rtmp.port;
    }
    signaling = await startSignaling({
      config,
      engine,
      streams: webrtcStreams(hub),
      users,
      tokens,
      log: createLogger("signaling"),
      ...(hooks.enabled ? { authorize: (action, body) => hooks.invoke(action, body) } : {}),
      onPublishing: (stream, request) => {
        if (!request.rtmpUrl) return;
        transponders.startup({ streamName: stream.name, rtmpUrl: request.rtmpUrl }).catch((err) => log.warn("createStream rtmpUrl republish failed", { stream: stream.name, error: err as Error }));
      },
    });
    Object.assign(ports, signaling.ports);
    cluster = await joinCluster(config, hub, { transponders, relays, calls, describeCall: callObject, postCallStatus: (call) => hooks.post("CallStatusEvent", call) }, router, ports);
  } catch (err) {
    await close();
    throw portInUse(err, config) ?? err;
  }
  await logStartBanner(config, ports, access);
  return { config, hub, router, transponders, relays, calls, media, cluster, ports, stop: close, close };
}
