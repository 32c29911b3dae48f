/**
 * What a transponder needs from an RTMP publishing connection (implemented by
 * src/rtmp/client/publisher.ts; a fake in tests). One object is one connection attempt.
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { PublishMetadata, RtmpPublisherEvents } from "../../rtmp/client/publisher.ts";
import type { RtmpTarget } from "../../rtmp/client/url.ts";

export type RtmpOutputMetadata = PublishMetadata;

export { PUBLISH_ERR, RtmpPublishError } from "../../rtmp/client/errors.ts";

export interface RtmpOutput {
  /** Connects and publishes; resolves on NetStream.Publish.Start, rejects with the server's reason. */
  start(): Promise<void>;
  sendMetadata(metadata: RtmpOutputMetadata): void;
  sendConfig(config: TrackConfig, timestamp: number): void;
  /** `timestamp` is the RTMP timestamp (ms since this connection's first frame). */
  sendFrame(frame: Frame, timestamp: number): void;
  /** Bytes written to the socket and not yet sent. */
  readonly bufferedBytes: number;
  /** Sends FCUnpublish + deleteStream and closes. */
  stop(): Promise<void>;
  /**
   * `close` once when the connection ends without stop() (its reason is user-facing); `drain` when
   * the socket's buffer has drained. Returns the unsubscribe.
   */
  on<K extends "close" | "drain">(event: K, listener: (value: RtmpPublisherEvents[K]) => void): () => void;
}

export type RtmpOutputFactory = (target: RtmpTarget, flashVer: string) => RtmpOutput;
