/**
 * Sending a stream's media on werift tracks: H.264 packetized (RFC 6184, mode 1) with SPS/PPS in
 * front of keyframes that lack them, audio in the one codec the session chose (player-audio.ts:
 * passed through when the source has it, else transcoded). Shared by the player (server answers a
 * browser) and the agent client pushing a stream to another server (whose answer sets the audio
 * codec: setAudioCodec).
 */
import { randomInt } from "node:crypto";
import { MediaStreamTrack } from "werift";
import type { AudioConfig, AudioFrame, Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import { NAL_TYPE, nalType } from "../../codecs/h264/index.ts";
import { msToRtp } from "../../rtp/clock.ts";
import { packetizeH264 } from "../../rtp/h264/packetizer.ts";
import { encodeRtp, rtpPacket } from "../../rtp/packet.ts";
import type { TranscoderMaker } from "../../audio/transcoders.ts";
import type { Logger } from "../../log.ts";
import type { PlaySink } from "../signaling/handler.ts";
import type { AudioChoice } from "./offer-codecs.ts";
import { PlayerAudio } from "./player-audio.ts";

export type MediaKind = "video" | "audio";

export interface SenderStats {
  videoFrames: number;
  /** audio frames sent (after transcoding) */
  audioFrames: number;
  /** source audio frames that could not be sent (no config yet, no transcoder) */
  audioSkipped: number;
}

export interface SenderOptions {
  /** the audio codec of the session's answer */
  readonly audioCodec: AudioChoice;
  /** Opus bitrate when audio is transcoded (opus_bitrate) */
  readonly opusBitrate: number;
  readonly log?: Logger;
  /** where audio is transcoded (default: this thread) */
  readonly transcoder?: TranscoderMaker;
}

interface Outgoing {
  readonly track: MediaStreamTrack;
  readonly timestampBase: number;
  sequence: number;
}

/** The access unit to send: SPS and PPS in front of a keyframe that lacks them. */
export function withParameterSets(nalus: readonly Uint8Array[], config: H264Config | undefined): readonly Uint8Array[] {
  if (!config) return nalus;
  const types = new Set(nalus.map(nalType));
  if (!types.has(NAL_TYPE.IDR) || types.has(NAL_TYPE.SPS)) return nalus;
  return [config.sps, config.pps, ...nalus];
}

export class MediaSender {
  readonly stats: SenderStats = { videoFrames: 0, audioFrames: 0, audioSkipped: 0 };
  private readonly outgoing: Partial<Record<MediaKind, Outgoing>> = {};
  private readonly options: SenderOptions;
  private audioCodec: AudioChoice;
  private audio: PlayerAudio;
  private videoConfig?: H264Config;
  private ended = false;

  constructor(options: SenderOptions) {
    this.options = options;
    this.audioCodec = options.audioCodec;
    this.audio = this.playerAudio();
  }

  /** A new send track of `kind` (random RTP timestamp base and sequence start). */
  addTrack(kind: MediaKind): MediaStreamTrack {
    const track = new MediaStreamTrack({ kind });
    this.outgoing[kind] = { track, timestampBase: randomInt(0, 2 ** 31), sequence: randomInt(0, 2 ** 16) };
    return track;
  }

  /** The audio codec the other side's answer chose, when it differs from the one given; call it before media flows. */
  setAudioCodec(codec: AudioChoice): void {
    if (codec === this.audioCodec) return;
    this.audioCodec = codec;
    this.audio.close();
    this.audio = this.playerAudio();
  }

  has(kind: MediaKind): boolean {
    return this.outgoing[kind] !== undefined;
  }

  /** Frames after `close` are dropped. */
  close(): void {
    this.ended = true;
    this.audio.close();
  }

  readonly sink: PlaySink = {
    config: (config: TrackConfig) => {
      if (config.codec === "H264") this.videoConfig = config as H264Config;
      else if (this.outgoing.audio) this.audio.config(config as AudioConfig);
    },
    frame: (frame: Frame) => this.frame(frame),
    end: () => this.close(),
  };

  private frame(frame: Frame): void {
    if (this.ended) return;
    if (frame.kind === "video") {
      const out = this.outgoing.video;
      if (!out) return;
      this.stats.videoFrames++;
      this.send(out, 90000, frame.pts, packetizeH264(withParameterSets(frame.data, this.videoConfig)));
      return;
    }
    if (!this.outgoing.audio) return;
    this.audio.frame(frame);
    this.stats.audioSkipped = this.audio.skipped;
  }

  private playerAudio(): PlayerAudio {
    const { opusBitrate, log, transcoder } = this.options;
    return new PlayerAudio({ send: this.audioCodec, opusBitrate, emit: (frame) => this.sendAudio(frame), ...(log ? { log } : {}), ...(transcoder ? { transcoder } : {}) });
  }

  private sendAudio(frame: AudioFrame): void {
    const out = this.outgoing.audio;
    if (this.ended || !out) return;
    this.stats.audioFrames++;
    this.send(out, this.audioCodec === "opus" ? 48000 : 8000, frame.pts, [frame.data]);
  }

  private send(out: Outgoing, clockRate: number, timestampMs: number, payloads: readonly Uint8Array[]): void {
    const timestamp = (out.timestampBase + msToRtp(timestampMs, clockRate)) >>> 0;
    for (const [i, payload] of payloads.entries()) {
      const bytes = encodeRtp(rtpPacket({ payloadType: 96, sequenceNumber: out.sequence, timestamp, ssrc: 0, marker: i === payloads.length - 1, payload }));
      out.sequence = (out.sequence + 1) & 0xffff;
      out.track.writeRtp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }
}
