/**
 * A browser playing a stream over WebRTC: a MediaSink that packetizes H.264 (RFC 6184, mode 1) and
 * passes Opus packets through into werift's send-only tracks. Keyframes: the hub asks the source for
 * one when the sink is attached; a PLI/FIR from the browser is passed on through onKeyframeRequest.
 * Audio the browser cannot take (AAC or G.711 from an RTMP or SIP source) is not sent (counted).
 */
import { randomInt } from "node:crypto";
import { MediaStreamTrack } from "werift";
import type { Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import { NAL_TYPE, nalType } from "../../codecs/h264/index.ts";
import type { MediaSink } from "../../core/media-sink.ts";
import { msToRtp } from "../../rtp/clock.ts";
import { packetizeH264 } from "../../rtp/h264/packetizer.ts";
import { encodeRtp, rtpPacket } from "../../rtp/packet.ts";
import type { PeerEvents, PlayPeer } from "../signaling/media-engine.ts";
import { createAnsweringPeer } from "./answer.ts";
import type { MediaNetworkConfig } from "./peer-config.ts";

interface Outgoing {
  readonly track: MediaStreamTrack;
  readonly clockRate: number;
  readonly timestampBase: number;
  sequence: number;
}

export interface PlayerStats {
  videoFrames: number;
  audioFrames: number;
  /** audio frames of a codec WebRTC cannot carry here */
  audioSkipped: number;
}

/** The access unit to send: SPS and PPS in front of a keyframe that lacks them. */
export function withParameterSets(nalus: readonly Uint8Array[], config: H264Config | undefined): readonly Uint8Array[] {
  if (!config) return nalus;
  const types = new Set(nalus.map(nalType));
  if (!types.has(NAL_TYPE.IDR) || types.has(NAL_TYPE.SPS)) return nalus;
  return [config.sps, config.pps, ...nalus];
}

export async function createWebRtcPlayer(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents): Promise<PlayPeer & { readonly stats: PlayerStats }> {
  const peer = createAnsweringPeer(offerSdp, net, events);
  const outgoing: Partial<Record<"video" | "audio", Outgoing>> = {};
  const keyframeHandlers: (() => void)[] = [];
  const answerSdp = await peer.answer(async (pc) => {
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.kind === "video" ? "video" : "audio";
      if (outgoing[kind]) continue;
      const track = new MediaStreamTrack({ kind });
      transceiver.setDirection("sendonly");
      await transceiver.sender.replaceTrack(track);
      if (kind === "video") transceiver.sender.onPictureLossIndication.subscribe(() => keyframeHandlers.forEach((h) => h()));
      outgoing[kind] = { track, clockRate: kind === "video" ? 90000 : 48000, timestampBase: randomInt(0, 2 ** 31), sequence: randomInt(0, 2 ** 16) };
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

  const sink: MediaSink = {
    config(config: TrackConfig) {
      if (config.codec === "H264") videoConfig = config as H264Config;
    },
    frame(frame: Frame) {
      if (ended) return;
      if (frame.kind === "video") {
        const out = outgoing.video;
        if (!out) return;
        stats.videoFrames++;
        send(out, frame.pts, packetizeH264(withParameterSets(frame.data, videoConfig)));
      } else {
        const out = outgoing.audio;
        if (!out) return;
        if (frame.codec !== "OPUS") {
          stats.audioSkipped++;
          return;
        }
        stats.audioFrames++;
        send(out, frame.pts, [frame.data]);
      }
    },
    end() {
      ended = true;
    },
  };

  return {
    answerSdp,
    sink,
    stats,
    onKeyframeRequest: (handler) => void keyframeHandlers.push(handler),
    close() {
      ended = true;
      peer.close();
    },
  };
}
