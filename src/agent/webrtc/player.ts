/**
 * A browser playing a stream over WebRTC: a MediaSink that packetizes H.264 (RFC 6184, mode 1) and
 * sends audio in the one codec the answer chose for this stream and offer (player-audio.ts: Opus,
 * or G.711 untranscoded to a browser that offers the stream's G.711; AAC and other G.711 become
 * Opus) into werift's send-only tracks. Keyframes: the hub asks the source for one when the sink is
 * attached; a PLI/FIR from the browser is passed on through onKeyframeRequest.
 *
 * A stream known to have no video (an audio-only SIP call or RTMP publish) gets an inactive video
 * section, so the browser's media stream holds only the audio track and plays with plain play().
 */
import { randomInt } from "node:crypto";
import { MediaStreamTrack } from "werift";
import type { AudioFrame, Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import { NAL_TYPE, nalType } from "../../codecs/h264/index.ts";
import type { MediaSink } from "../../core/media-sink.ts";
import { msToRtp } from "../../rtp/clock.ts";
import { packetizeH264 } from "../../rtp/h264/packetizer.ts";
import { encodeRtp, rtpPacket } from "../../rtp/packet.ts";
import type { Logger } from "../../log.ts";
import type { PeerEvents, PlayPeer, PlaySource } from "../signaling/media-engine.ts";
import { createAnsweringPeer } from "./answer.ts";
import type { MediaNetworkConfig } from "./peer-config.ts";
import { PlayerAudio, playerAudioPreference } from "./player-audio.ts";

interface Outgoing {
  readonly track: MediaStreamTrack;
  readonly clockRate: number;
  readonly timestampBase: number;
  sequence: number;
}

export interface PlayerStats {
  videoFrames: number;
  /** audio frames sent (after transcoding) */
  audioFrames: number;
  /** source audio frames that could not be sent (no config yet, no transcoder) */
  audioSkipped: number;
}

export interface PlayerOptions {
  readonly source?: PlaySource;
  /** Opus bitrate when audio is transcoded (opus_bitrate) */
  readonly opusBitrate: number;
  readonly log?: Logger;
}

/** The access unit to send: SPS and PPS in front of a keyframe that lacks them. */
export function withParameterSets(nalus: readonly Uint8Array[], config: H264Config | undefined): readonly Uint8Array[] {
  if (!config) return nalus;
  const types = new Set(nalus.map(nalType));
  if (!types.has(NAL_TYPE.IDR) || types.has(NAL_TYPE.SPS)) return nalus;
  return [config.sps, config.pps, ...nalus];
}

export async function createWebRtcPlayer(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents, options: PlayerOptions): Promise<PlayPeer & { readonly stats: PlayerStats }> {
  const peer = createAnsweringPeer(offerSdp, net, events, playerAudioPreference(options.source?.audio));
  const audioCodec = peer.offer.audioCodec ?? "opus";
  const outgoing: Partial<Record<"video" | "audio", Outgoing>> = {};
  const keyframeHandlers: (() => void)[] = [];
  const answerSdp = await peer.answer(async (pc) => {
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind === "video" ? "video" : "audio";
      if (outgoing[kind]) continue;
      if (kind === "video" && options.source?.video === false) {
        transceiver.setDirection("inactive");
        continue;
      }
      const track = new MediaStreamTrack({ kind });
      transceiver.setDirection("sendonly");
      await transceiver.sender.replaceTrack(track);
      if (kind === "video") transceiver.sender.onPictureLossIndication.subscribe(() => keyframeHandlers.forEach((h) => h()));
      const clockRate = kind === "video" ? 90000 : audioCodec === "opus" ? 48000 : 8000;
      outgoing[kind] = { track, clockRate, timestampBase: randomInt(0, 2 ** 31), sequence: randomInt(0, 2 ** 16) };
    }
  });

  const stats: PlayerStats = { videoFrames: 0, audioFrames: 0, audioSkipped: 0 };
  let videoConfig: H264Config | undefined;
  let ended = false;

  const send = (out: Outgoing, timestampMs: number, payloads: readonly Uint8Array[]) => {
    const timestamp = (out.timestampBase + msToRtp(timestampMs, out.clockRate)) >>> 0;
    for (const [i, payload] of payloads.entries()) {
      const bytes = encodeRtp(rtpPacket({ payloadType: 96, sequenceNumber: out.sequence, timestamp, ssrc: 0, marker: i === payloads.length - 1, payload }));
      out.sequence = (out.sequence + 1) & 0xffff;
      out.track.writeRtp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  };

  const audio = new PlayerAudio({
    send: audioCodec,
    opusBitrate: options.opusBitrate,
    emit: (frame: AudioFrame) => {
      if (ended || !outgoing.audio) return;
      stats.audioFrames++;
      send(outgoing.audio, frame.pts, [frame.data]);
    },
    ...(options.log ? { log: options.log } : {}),
  });

  const sink: MediaSink = {
    config(config: TrackConfig) {
      if (config.codec === "H264") videoConfig = config as H264Config;
      else if (outgoing.audio) audio.config(config);
    },
    frame(frame: Frame) {
      if (ended) return;
      if (frame.kind === "video") {
        const out = outgoing.video;
        if (!out) return;
        stats.videoFrames++;
        send(out, frame.pts, packetizeH264(withParameterSets(frame.data, videoConfig)));
      } else if (outgoing.audio) {
        audio.frame(frame);
        stats.audioSkipped = audio.skipped;
      }
    },
    end() {
      ended = true;
      audio.close();
    },
  };

  return {
    answerSdp,
    sink,
    stats,
    onKeyframeRequest: (handler) => void keyframeHandlers.push(handler),
    close() {
      ended = true;
      audio.close();
      peer.close();
    },
  };
}
