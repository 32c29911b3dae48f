/**
 * The RTMP form of /pull/pull: the RTMP player plays `rtmp://host/app/stream` and its media feeds
 * the relay. The server ending the stream (StreamEOF, UnpublishNotify) or the connection dropping
 * is a lost link, retried by the relay.
 */
import { RtmpPlayer } from "../../rtmp/client/player.ts";
import { parseRtmpTarget } from "../../rtmp/client/url.ts";
import type { LinkDelegate, RelayLink, RelaySpec } from "./link.ts";

export interface RtmpPullOptions {
  readonly verifyTls: boolean;
  /** PEM file of a CA to trust besides the system's (empty: none) */
  readonly ca?: string;
  readonly maxMessageSize?: number;
  readonly timeoutMs?: number;
}

export function rtmpPullLink(spec: RelaySpec, delegate: LinkDelegate, options: RtmpPullOptions): RelayLink {
  const player = new RtmpPlayer(parseRtmpTarget(spec.uri, { fullUrl: true }), options);
  let stopped = false;
  const wanted = (kind: "audio" | "video") => (kind === "audio" ? spec.hasAudio : spec.hasVideo);
  player.on("media", (m) => {
    if (m.type === "config") {
      if (wanted(m.config.codec === "H264" ? "video" : "audio")) delegate.config(m.config);
    } else if (m.type === "frame" && wanted(m.frame.kind)) delegate.frame(m.frame);
  });
  player.on("end", (reason) => lose(`the remote stream ended (${reason})`));
  player.on("close", (reason) => lose(reason));
  const lose = (reason: string) => {
    if (stopped) return;
    stopped = true;
    player.stop();
    delegate.lost(reason, true);
  };
  return {
    remoteMediaSessionId: null,
    // RtmpClientError carries `retry`; the relay reads it
    start: () => player.start(),
    // RTMP has no keyframe request: the next one comes at the encoder's interval
    requestKeyframe() {},
    stop() {
      stopped = true;
      player.stop();
    },
  };
}
