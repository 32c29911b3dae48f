/**
 * What the signaling session asks of its owner (core/ingest/webrtc-ingest.ts wires it to the stream
 * hub): publish a browser's stream, find a stream to play, attach players. The session speaks WCS's
 * protocol; the handler knows streams. Nothing here imports core (DESIGN: lower layers never import
 * higher ones).
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { FrameTarget } from "../webrtc/media-receiver.ts";
import type { PlaySource } from "./media-engine.ts";

/** What a played stream feeds: its track configs, frames from a keyframe on, then `end` once. */
export interface PlaySink {
  config(config: TrackConfig): void;
  frame(frame: Frame): void;
  /** the stream is gone; `reason` is a user-facing text */
  end(reason: string): void;
}

/** The browser publishing a stream, as the handler sees it. */
export interface PublisherControl {
  /** RTCP PLI to the browser */
  requestKeyframe(): void;
  /** the stream is terminated from outside: end the publish with `reason` */
  stop(reason: string): void;
}

/** A stream the session publishes into: the publisher's peer feeds it (`FrameTarget`). */
export interface PublishedStream extends FrameTarget {
  readonly name: string;
  /** Unpublishes it; players and hooks see `reason`. */
  end(reason: string): void;
}

/** A stream a browser asked to play. */
export interface PlayableStream {
  readonly name: string;
  /** what the player's answer can be tailored to */
  readonly source: PlaySource;
  /** false once it was unpublished (or another stream took its name) */
  readonly live: boolean;
  requestKeyframe(): void;
  /** Attaches a player's sink (configs first, then frames from a keyframe on); returns its detach. */
  addSink(sink: PlaySink): () => void;
}

export interface SignalingHandler {
  /** Publishes `name`; undefined when a stream of that name exists. Throws when the name is refused. */
  publish(name: string, mediaSessionId: string, publisher: PublisherControl): PublishedStream | undefined;
  find(name: string): PlayableStream | undefined;
  /** find(), but a stream that lives on another node of a cluster is pulled here first (an edge pull). */
  resolve?(name: string): Promise<PlayableStream | undefined>;
}
