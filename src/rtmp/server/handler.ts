/**
 * What the embedded RTMP server asks of its owner (core/ingest/rtmp-ingest.ts wires it to the stream
 * hub): accept or refuse a publisher, and attach players. The server speaks RTMP; the handler
 * knows streams. Nothing here imports core (DESIGN: lower layers never import higher ones).
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import type { FlvTag } from "../../flv/tag.ts";

/** A connect request: the app as the client sent it (query string included) and the peer. */
export interface ConnectRequest {
  readonly app: string;
  readonly tcUrl: string;
  readonly flashVer: string;
  /** "ip:port" of the peer */
  readonly peer: string;
  readonly connectionId: number;
}

/** A refusal: onStatus (or connect's `_error`) `code` at level error with `description`, then the connection closes. */
export interface Refusal {
  readonly code: string;
  readonly description: string;
}

/** A publish or play request: the connect app and the stream name (query string split off). */
export interface StreamRequest {
  readonly app: string;
  /** stream key: the publish/play name without its query string */
  readonly name: string;
  /** the query string after `?` in the name, without the `?` ("" when none) */
  readonly query: string;
  readonly tcUrl: string;
  /** "ip:port" of the peer */
  readonly peer: string;
  readonly connectionId: number;
}

/** Where a publisher's media goes; `end` is called once when the publisher stops or drops. */
export interface PublishTarget {
  metadata(properties: Readonly<Record<string, Amf0Value>>): void;
  config(config: TrackConfig): void;
  frame(frame: Frame): void;
  end(reason: string): void;
}

export type PublishAnswer =
  | { readonly ok: true; readonly target: PublishTarget }
  | ({ readonly ok: false } & Refusal);

/** The publisher's session as the handler sees it (to stop it when the stream is terminated). */
export interface PublisherControl {
  stop(reason: string): void;
}

/**
 * A player's output: FLV tags in, RTMP messages out. `congested` while the socket buffer is above
 * the server's limit; `onDrain` is called when it empties again.
 */
export interface PlayOutput {
  send(tags: readonly FlvTag[]): void;
  readonly congested: boolean;
  /** the stream being played was unpublished: StreamEOF + NetStream.Play.UnpublishNotify */
  end(reason: string): void;
  /** the play cannot go on (wrong application, nothing published in time): onStatus at level error, then the connection closes */
  fail(refusal: Refusal): void;
}

export interface PlayHandle {
  /** the player's socket can take more */
  drain(): void;
  /** the player left (closeStream, deleteStream, disconnect) */
  stop(): void;
}

export interface RtmpServerHandler {
  publish(request: StreamRequest, control: PublisherControl): PublishAnswer;
  /** Attach a player. Called after NetStream.Play.Start was sent (nginx-rtmp: waits for a publisher). */
  play(request: StreamRequest, output: PlayOutput): PlayHandle;
  /**
   * Asked before connect is answered and before a publish or play goes on (credentials, REST hooks:
   * it may wait for a backend); undefined lets it through. Commands and media the client sends
   * meanwhile wait their turn.
   */
  admitConnect?(request: ConnectRequest): Promise<Refusal | undefined>;
  admitStream?(kind: "publish" | "play", request: StreamRequest): Promise<Refusal | undefined>;
}
