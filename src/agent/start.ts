/**
 * What src/app.ts needs of the agent at start, without loading werift (about 25 MB and a second of
 * start-up): the signaling server, whose werift engine loads when the first peer is made, and relay
 * links over the agent, whose code loads when the first one starts. The import() calls here are the
 * only way app.ts reaches werift.
 */
import { join } from "node:path";
import type { TranscoderMaker } from "../audio/transcoders.ts";
import { loadOrCreateCertificate } from "../certificate.ts";
import type { Clock } from "../clock.ts";
import type { AccessTokens } from "../access-tokens.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { AgentLink, AgentLinkDelegate, AgentLinkOptions, AgentRelaySpec } from "./client/relay-link.ts";
import type { PublishedStream, SignalingHandler } from "./signaling/handler.ts";
import type { MediaEngine } from "./signaling/media-engine.ts";
import type { StreamRequest } from "./signaling/messages.ts";
import { startSignalingServer, type SignalingServer } from "./signaling/server.ts";
import { SignalingSession, type AuthorizedAction } from "./signaling/session.ts";
import type { WeriftEngine } from "./webrtc/engine.ts";
import { mediaNetworkConfig, type MediaNetworkConfig } from "./webrtc/network-config.ts";

/** The werift engine, imported and made when the first publisher or player asks for a peer. */
export function weriftEngineOnDemand(net: MediaNetworkConfig, options: ConstructorParameters<typeof WeriftEngine>[1]): MediaEngine {
  let engine: Promise<MediaEngine> | undefined;
  const load = (): Promise<MediaEngine> => (engine ??= import("./webrtc/engine.ts").then(({ WeriftEngine }) => new WeriftEngine(net, options)));
  return {
    createPublisher: async (offerSdp, events) => (await load()).createPublisher(offerSdp, events),
    createPlayer: async (offerSdp, events, source) => (await load()).createPlayer(offerSdp, events, source),
  };
}

/** The shape of a relay link (core/relay/link.ts's RelayLink, which the agent does not import). */
export interface AgentRelayLink {
  start(): Promise<void>;
  readonly remoteMediaSessionId: string | null;
  readonly sink?: AgentLink["sink"];
  requestKeyframe(): void;
  stop(): void;
}

/** `agentRelayLink`, its code (and werift) imported when the link starts. */
export function agentRelayLinkOnDemand(spec: AgentRelaySpec, delegate: AgentLinkDelegate, options: AgentLinkOptions): AgentRelayLink {
  let link: AgentRelayLink | undefined;
  let stopped = false;
  return {
    async start() {
      const { agentRelayLink } = await import("./client/relay-link.ts");
      if (stopped) return;
      link = agentRelayLink(spec, delegate, options);
      await link.start();
    },
    get remoteMediaSessionId() {
      return link?.remoteMediaSessionId ?? null;
    },
    get sink() {
      return link?.sink;
    },
    requestKeyframe: () => link?.requestKeyframe(),
    stop() {
      stopped = true;
      link?.stop();
    },
  };
}

/** The werift engine with the config's media settings, shared by the signaling server and WHIP/WHEP. */
export function configuredEngine(config: Config, log: Logger, transcoders?: (streamName: string) => TranscoderMaker): MediaEngine {
  return weriftEngineOnDemand(mediaNetworkConfig(config), { jitterBuffer: config.rtp_in_buffer, jitterDelayMs: config.rtp_in_buffer_delay, opusBitrate: config.opus_bitrate, log, ...(transcoders ? { transcoders } : {}) });
}

export interface SignalingOptions {
  readonly config: Config;
  /** the streams sessions publish into and play from (core/ingest/webrtc-ingest.ts on the hub) */
  readonly streams: SignalingHandler;
  readonly log: Logger;
  /** defaults to werift with the config's media network settings */
  readonly engine?: MediaEngine;
  readonly clock?: Clock;
  /** REST users: with any, a WebSocket `connection` needs one's credentials in `custom` */
  readonly users?: ReadonlyMap<string, string>;
  /** tokens from /rest-api/auth/token, accepted in `custom` {token} instead of credentials */
  readonly tokens?: AccessTokens;
  /** where a played stream's audio is transcoded (codec workers); in this thread without */
  readonly transcoders?: (streamName: string) => TranscoderMaker;
  /** the connect / publishStream / playStream REST hooks: false refuses ("Restricted access") */
  readonly authorize?: (action: AuthorizedAction, body: Record<string, unknown>) => Promise<boolean>;
  /** A stream turned PUBLISHING; `request.rtmpUrl` is createStream({rtmpUrl}) (republish it). */
  readonly onPublishing?: (stream: PublishedStream, request: StreamRequest) => void;
}

export interface Signaling {
  /** bound ports; a listener whose port is 0 in the config is absent */
  readonly ports: { readonly ws?: number; readonly wss?: number };
  /** live signaling sessions on both listeners */
  readonly sessionCount: number;
  close(): Promise<void>;
}

export async function startSignaling(options: SignalingOptions): Promise<Signaling> {
  const { config, streams, log } = options;
  const engine = options.engine ?? configuredEngine(config, log.child("webrtc"), options.transcoders);
  const mediaSessionIds = new Set<string>();
  const createSession = (transport: ConstructorParameters<typeof SignalingSession>[0]["transport"], remote: string) =>
    new SignalingSession({
      transport,
      streams,
      engine,
      ...(options.users ? { users: options.users } : {}),
      ...(options.tokens ? { tokens: options.tokens } : {}),
      mediaSessionIds,
      keepAliveIntervalMs: config["keep_alive.server_interval"],
      keepAliveProbes: config["keep_alive.probes"],
      log: log.child(`ws ${remote}`),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onPublishing ? { onPublishing: options.onPublishing } : {}),
      ...(options.authorize ? { authorize: options.authorize } : {}),
    });
  const servers: SignalingServer[] = [];
  const ports: { ws?: number; wss?: number } = {};
  const limits = { maxSessions: config.max_websocket_sessions, maxConnectionsPerAddress: config.max_connections_per_address };
  try {
    if (config["ws.port"] > 0) {
      const server = await startSignalingServer({ host: config.bind_address, port: config["ws.port"], createSession, log, ...limits });
      servers.push(server);
      ports.ws = server.port;
    }
    if (config["wss.port"] > 0) {
      const tls = await loadOrCreateCertificate(config["https.cert"], config["https.key"], join(config.data_dir, "transpond-tls"));
      const server = await startSignalingServer({ host: config.bind_address, port: config["wss.port"], tls, createSession, log, ...limits });
      servers.push(server);
      ports.wss = server.port;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  log.info("signaling listening", ports);
  return {
    ports,
    get sessionCount() {
      return servers.reduce((n, s) => n + s.sessions.size, 0);
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
