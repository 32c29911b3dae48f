/**
 * The seam between signaling and WebRTC: the session asks an engine for a peer per publish/play and
 * hears back through `PeerEvents`. The werift engine is in ../webrtc/engine.ts; tests use a fake.
 */
import type { AudioConfig } from "../../codecs/frame.ts";
import type { FrameTarget } from "../webrtc/media-receiver.ts";
import type { PlaySink } from "./handler.ts";

export interface PeerEvents {
  /** ICE and DTLS are up; media can flow. Called at most once. */
  connected(): void;
  /** The connection failed or closed from the far side; `info` is a WCS info text. Called at most once. */
  failed(info: string): void;
}

export interface PublishPeer {
  /** the complete answer (candidates included, no trickle) */
  readonly answerSdp: string;
  /** Starts feeding `target` (configs and frames): the published stream. */
  attach(target: FrameTarget): void;
  /** RTCP PLI to the browser. */
  requestKeyframe(): void;
  close(): void;
}

export interface PlayPeer {
  readonly answerSdp: string;
  /** what the stream feeds; frames before `connected` are dropped */
  readonly sink: PlaySink;
  /** Called when the browser asks for a keyframe (PLI/FIR from the player). */
  onKeyframeRequest(handler: () => void): void;
  close(): void;
}

/** What a player is about to play, as far as the stream knows when the browser's offer comes. */
export interface PlaySource {
  /** the stream's name (its codecs share one codec worker) */
  readonly name?: string;
  /** the stream's audio track, when it has one */
  readonly audio?: AudioConfig;
  /** false when the stream is known to carry no video (audio config, no video config or frames) */
  readonly video?: boolean;
}

export interface MediaEngine {
  /** Throws AgentError with a MEDIA_ERR code (ParseError for BAD_SDP). */
  createPublisher(offerSdp: string, events: PeerEvents): Promise<PublishPeer>;
  createPlayer(offerSdp: string, events: PeerEvents, source?: PlaySource): Promise<PlayPeer>;
}
