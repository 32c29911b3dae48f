/**
 * The seam between a relay job and the protocol that carries it. A link is one connection attempt
 * to the other server: the WCS agent (src/agent/client, WebRTC over ws/wss) or the RTMP player
 * (rtmp-pull-link.ts). The job owns retries, states and the local stream; a link only connects,
 * moves media and reports through the delegate it was made with. core defines it, app.ts wires the
 * agent in (DESIGN: agent imports core, never the reverse).
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { MediaSink } from "../stream/media-sink.ts";

export type RelayDirection = "push" | "pull";
export type RelayTransport = "webrtc" | "rtmp";

/** What a relay connects to, as the REST request gave it (uri already checked and normalized). */
export interface RelaySpec {
  readonly direction: RelayDirection;
  readonly transport: RelayTransport;
  /** ws://, wss://, rtmp:// or rtmps:// with any password */
  readonly uri: string;
  readonly localStreamName: string;
  /** the stream name on the other server (the RTMP form: the last path segment of uri) */
  readonly remoteStreamName: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  readonly record: boolean;
  /** pull: the RTMP application the local stream plays under (MediaSource.rtmpApp) */
  readonly rtmpApp?: string;
}

export interface LinkDelegate {
  /** pull: a codec config from the other server */
  config(config: TrackConfig): void;
  /** pull: a frame from the other server */
  frame(frame: Frame): void;
  /** push: the other server asked for a keyframe */
  keyframeRequested(): void;
  /**
   * After `start` resolved: the link is gone. `retry` false means trying again will not help
   * (the other server refused for good). Called at most once, never after `stop`.
   */
  lost(reason: string, retry: boolean): void;
}

export interface RelayLink {
  /** Connects; resolves once media can flow; rejects with an error whose `retry` says whether to try again. */
  start(): Promise<void>;
  /** the other server's id of the stream, when it has one */
  readonly remoteMediaSessionId: string | null;
  /** push: where the local stream's media goes once started */
  readonly sink?: MediaSink;
  /** pull: ask the other side for a keyframe */
  requestKeyframe(): void;
  /** Unpublishes or stops on the other server and closes; the delegate stays silent afterwards. */
  stop(): void;
}

export type RelayLinkFactory = (spec: RelaySpec, delegate: LinkDelegate) => RelayLink;

/**
 * Whether a failed start is worth retrying: the `retry` flag the protocol's error carries
 * (the agent's AgentError, RtmpClientError); other errors are retried.
 */
export function retryOf(err: unknown): boolean {
  const retry = err instanceof Error ? (err as Error & { retry?: unknown }).retry : undefined;
  return typeof retry === "boolean" ? retry : true;
}
