/**
 * The RTMP form of /pull/pull: the RTMP player plays `rtmp://host/app/stream` and its media feeds
 * the relay. The link is up once media comes, not at NetStream.Play.Start: nginx-rtmp starts a play
 * of a stream nobody publishes (yet, or again after StreamEOF) and holds it until a publisher comes,
 * so the relay stays CONNECTING while the remote stream is away. The server ending the stream
 * (StreamEOF, UnpublishNotify) or the connection dropping is a lost link, retried by the relay.
 */
import { PLAY_ERR, RtmpPlayError } from "../../rtmp/client/errors.ts";
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
  let flowing = false;
  let mediaCame: () => void = () => {};
  let endedBeforeMedia: (reason: string) => void = () => {};
  const firstMedia = new Promise<void>((resolve, reject) => {
    mediaCame = resolve;
    endedBeforeMedia = (reason) => reject(new RtmpPlayError(PLAY_ERR.ENDED_BEFORE_MEDIA, reason, true));
  });
  // start() may have failed before (or be stopped while) waiting: the rejection is awaited there or nowhere
  firstMedia.catch(() => {});
  const wanted = (kind: "audio" | "video") => (kind === "audio" ? spec.hasAudio : spec.hasVideo);
  player.on("media", (m) => {
    if (m.type === "config") {
      if (!wanted(m.config.codec === "H264" ? "video" : "audio")) return;
      delegate.config(m.config);
    } else if (m.type === "frame" && wanted(m.frame.kind)) delegate.frame(m.frame);
    else return;
    flowing = true;
    mediaCame();
  });
  player.on("end", (reason) => lose(`the remote stream ended (${reason})`));
  player.on("close", (reason) => lose(reason));
  const lose = (reason: string) => {
    if (stopped) return;
    stopped = true;
    player.stop();
    if (flowing) delegate.lost(reason, true);
    else endedBeforeMedia(reason);
  };
  return {
    remoteMediaSessionId: null,
    // RtmpClientError carries `retry`; the relay reads it
    async start() {
      await player.start();
      await firstMedia;
    },
    // RTMP has no keyframe request: the next one comes at the encoder's interval
    requestKeyframe() {},
    stop() {
      stopped = true;
      player.stop();
      endedBeforeMedia("stopped");
    },
  };
}
