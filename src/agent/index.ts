/**
 * The WebRTC agent's public API: the Flashphoner-compatible WebSocket signaling server (ws and wss)
 * with werift peers behind it, and the agent client for relays. `startSignaling` is what src/app.ts
 * calls (through start.ts, which loads werift only when the first peer is made).
 */
export { SignalingSession } from "./signaling/session.ts";
export type { AuthorizedAction, SessionTransport, SessionOptions, SessionState } from "./signaling/session.ts";
export type { StreamRequest } from "./signaling/messages.ts";
export { CLIENT_MESSAGE, SERVER_MESSAGE, STREAM_STATUS, INFO } from "./signaling/messages.ts";
export type { MediaEngine, PublishPeer, PlayPeer, PeerEvents, PlaySource } from "./signaling/media-engine.ts";
export type { PlayableStream, PlaySink, PublishedStream, PublisherControl, SignalingHandler } from "./signaling/handler.ts";
export { WeriftEngine } from "./webrtc/engine.ts";
export { agentRelayLink, type AgentLinkOptions } from "./client/relay-link.ts";
export { AGENT_ERR, AgentClientError, AgentError, MEDIA_ERR, SIGNALING_ERR, WHIP_ERR } from "./errors.ts";
export { mediaNetworkConfig, type MediaNetworkConfig } from "./webrtc/network-config.ts";
export { agentRelayLinkOnDemand, startSignaling, weriftEngineOnDemand, type Signaling, type SignalingOptions } from "./start.ts";
