/**
 * A browser playing a stream over WebRTC: a MediaSink (media-sender.ts) on werift's send-only
 * tracks, with audio in the one codec the answer chose for this stream and offer (player-audio.ts:
 * Opus, or G.711 untranscoded to a browser that offers the stream's G.711; AAC and other G.711
 * become Opus). Keyframes: the hub asks the source for one when the sink is attached; a PLI/FIR
 * from the browser is passed on through onKeyframeRequest.
 *
 * A stream known to have no video (an audio-only SIP call or RTMP publish) gets an inactive video
 * section, so the browser's media stream holds only the audio track and plays with plain play().
 */
import type { TranscoderMaker } from "../../audio/transcoders.ts";
import type { Logger } from "../../log.ts";
import type { PeerEvents, PlayPeer, PlaySource } from "../signaling/media-engine.ts";
import { createAnsweringPeer } from "./answer.ts";
import { MediaSender, type SenderStats } from "./media-sender.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { playerAudioPreference } from "./player-audio.ts";

export type PlayerStats = SenderStats;

export interface PlayerOptions {
  readonly source?: PlaySource;
  /** Opus bitrate when audio is transcoded (opus_bitrate) */
  readonly opusBitrate: number;
  readonly log?: Logger;
  /** where audio is transcoded (default: this thread) */
  readonly transcoder?: TranscoderMaker;
}

export async function createWebRtcPlayer(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents, options: PlayerOptions): Promise<PlayPeer & { readonly stats: PlayerStats }> {
  const peer = createAnsweringPeer(offerSdp, net, events, playerAudioPreference(options.source?.audio));
  const sender = new MediaSender({ audioCodec: peer.offer.audioCodec ?? "opus", opusBitrate: options.opusBitrate, ...(options.log ? { log: options.log } : {}), ...(options.transcoder ? { transcoder: options.transcoder } : {}) });
  const keyframeHandlers: (() => void)[] = [];
  const answerSdp = await peer.answer(async (pc) => {
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind === "video" ? "video" : "audio";
      if (sender.has(kind)) continue;
      if (kind === "video" && options.source?.video === false) {
        transceiver.setDirection("inactive");
        continue;
      }
      transceiver.setDirection("sendonly");
      await transceiver.sender.replaceTrack(sender.addTrack(kind));
      if (kind === "video") transceiver.sender.onPictureLossIndication.subscribe(() => keyframeHandlers.forEach((h) => h()));
    }
  });
  return {
    answerSdp,
    sink: sender.sink,
    stats: sender.stats,
    onKeyframeRequest: (handler) => void keyframeHandlers.push(handler),
    close() {
      sender.close();
      peer.close();
    },
  };
}
