/**
 * What a stream hands its consumers. A sink gets the track configs first, then frames starting at a
 * keyframe (the stream holds a new sink back until one arrives), then `end` once.
 */
import type { Frame, TrackConfig } from "../../codecs/frame.ts";

export interface MediaSink {
  /** A codec config for one track; sent on attach and again whenever it changes. */
  config(config: TrackConfig): void;
  frame(frame: Frame): void;
  /** The stream is gone (unpublished, failed, terminated); `reason` is a user-facing text. */
  end(reason: string): void;
}

/** What the hub may ask of the thing that feeds a stream. */
export interface MediaSource {
  readonly kind: "rtmp" | "webrtc" | "sip" | "pull" | "file";
  /** false when the source is known to carry no video (a SIP call without a video leg); unset when not known */
  readonly video?: boolean;
  /** an RTMP publisher's application (`live`, `other`): its stream plays under it over RTMP and HTTP-FLV */
  readonly rtmpApp?: string;
  /** Ask the encoder for a keyframe (RTCP PLI/FIR for RTP sources; no-op for RTMP). */
  requestKeyframe(): void;
  /** Stop feeding and close the underlying session; called on terminate. */
  stop(reason: string): void;
}
