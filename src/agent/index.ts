/**
 * The WebRTC agent's public API: the Flashphoner-compatible WebSocket signaling server (ws and wss)
 * with werift peers behind it. `startSignaling` is what src/app.ts calls.
 */
import { join } from "node:path";
import { loadOrCreateCertificate } from "../certificate.ts";
import type { Config } from "../config.ts";
import type { StreamHub } from "../core/hub.ts";
import type { Stream } from "../core/stream.ts";
import type { Logger } from "../log.ts";
import type { SessionClock } from "./signaling/clock.ts";
import type { MediaEngine } from "./signaling/media-engine.ts";
import type { StreamRequest } from "./signaling/messages.ts";
import { startSignalingServer, type SignalingServer } from "./signaling/server.ts";
import { SignalingSession } from "./signaling/session.ts";
import { WeriftEngine } from "./webrtc/engine.ts";
import { mediaNetworkConfig } from "./webrtc/peer-config.ts";

export { SignalingSession } from "./signaling/session.ts";
export type { SessionTransport, SessionOptions, SessionState } from "./signaling/session.ts";
export type { StreamRequest } from "./signaling/messages.ts";
export { CLIENT_MESSAGE, SERVER_MESSAGE, STREAM_STATUS, INFO, SIGNALING_ERR } from "./signaling/messages.ts";
export type { MediaEngine, PublishPeer, PlayPeer, PeerEvents } from "./signaling/media-engine.ts";
export { MEDIA_ERR } from "./signaling/media-engine.ts";
export { WeriftEngine } from "./webrtc/engine.ts";
export { agentRelayLink, type AgentLinkOptions } from "./client/relay-link.ts";
export { AGENT_ERR, AgentError } from "./client/errors.ts";
export { mediaNetworkConfig } from "./webrtc/peer-config.ts";

export interface SignalingOptions {
  readonly config: Config;
  readonly hub: StreamHub;
  readonly log: Logger;
  /** defaults to werift with the config's media network settings */
  readonly engine?: MediaEngine;
  readonly clock?: SessionClock;
  /** REST users: with any, a WebSocket `connection` needs one's credentials in `custom` */
  readonly users?: ReadonlyMap<string, string>;
  /** A stream turned PUBLISHING; `request.rtmpUrl` is createStream({rtmpUrl}) (republish it). */
  readonly onPublishing?: (stream: Stream, request: StreamRequest) => void;
}

export interface Signaling {
  /** bound ports; a listener whose port is 0 in the config is absent */
  readonly ports: { readonly ws?: number; readonly wss?: number };
  /** live signaling sessions on both listeners */
  readonly sessionCount: number;
  close(): Promise<void>;
}

export async function startSignaling(options: SignalingOptions): Promise<Signaling> {
  const { config, hub, log } = options;
  const engine = options.engine ?? new WeriftEngine(mediaNetworkConfig(config), { jitterBuffer: config.rtp_in_buffer, jitterDelayMs: config.rtp_in_buffer_delay, opusBitrate: config.opus_bitrate, log: log.child("webrtc") });
  const mediaSessionIds = new Set<string>();
  const createSession = (transport: ConstructorParameters<typeof SignalingSession>[0]["transport"], remote: string) =>
    new SignalingSession({
      transport,
      hub,
      engine,
      ...(options.users ? { users: options.users } : {}),
      mediaSessionIds,
      keepAliveIntervalMs: config["keep_alive.server_interval"],
      keepAliveProbes: config["keep_alive.probes"],
      log: log.child(`ws ${remote}`),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onPublishing ? { onPublishing: options.onPublishing } : {}),
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
