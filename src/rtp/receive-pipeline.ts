/**
 * What a WebRTC publisher or a SIP call does with the RTP it receives, without I/O: per track a
 * jitter buffer, then the H.264 depacketizer (video) or one audio packet per frame (Opus, G.711),
 * with times on one stream timeline so audio and video line up.
 *
 * Timeline: 0 is the arrival of the first packet of either track. Until a track has an RTCP sender
 * report its times are its RTP clock from the arrival of its first packet; from the first SR on, a
 * track's time is the sender's wall clock (RFC 3550 6.4.1) minus one base shared by both tracks, so
 * both tracks are on the sender's clock. The base is fixed by the first track to get an SR so that
 * track's times go on without a jump. (The stream keeps DTS non-decreasing if a track steps back.)
 */
import type { AudioConfig, AudioFrame, Frame, TrackConfig, VideoFrame } from "../codecs/frame.ts";
import { ClockMapper } from "./clock.ts";
import { H264Depacketizer, type H264DepacketizerStats } from "./h264/depacketizer.ts";
import { JitterBuffer, type JitterBufferOutput, type JitterBufferStats } from "./jitter-buffer.ts";
import type { RtpPacket } from "./packet.ts";

export type ReceiveOutput =
  | { readonly type: "config"; readonly config: TrackConfig }
  | { readonly type: "frame"; readonly frame: Frame }
  /** the video decoder needs a keyframe (a frame was lost); send PLI */
  | { readonly type: "keyframe-request" }
  /** an audio packet of another payload type than `audioPayloadType` (RFC 4733 events), in order */
  | { readonly type: "event"; readonly packet: RtpPacket };

export type TrackKind = "video" | "audio";

export interface ReceivePipelineOptions {
  /** jitter buffer delay (rtp_in_buffer_delay), ms */
  readonly jitterDelayMs?: number;
  /** false passes packets straight on (rtp_in_buffer=false) */
  readonly jitterBuffer?: boolean;
  /** least time between two keyframe requests, ms (default 500) */
  readonly keyframeRequestGapMs?: number;
  /** the audio codec (default Opus 48 kHz stereo); its RTP clock is its sample rate (Opus, G.711) */
  readonly audio?: AudioConfig;
  /** when given, the audio codec's payload type: other audio packets come out as `event` */
  readonly audioPayloadType?: number;
  /** when given, video packets of other payload types are dropped */
  readonly videoPayloadTypes?: readonly number[];
}

export interface SenderReportTimes {
  readonly ntpMsw: number;
  readonly ntpLsw: number;
  readonly rtpTimestamp: number;
}

interface Track {
  readonly clock: ClockMapper;
  readonly jitter: JitterBuffer | undefined;
  /** timeline ms of RTP relative time 0, before an SR */
  offsetMs: number | undefined;
}

export const OPUS_CONFIG: AudioConfig = { codec: "OPUS", sampleRate: 48000, channels: 2 };

export class ReceivePipeline {
  private readonly tracks: Record<TrackKind, Track>;
  private readonly depacketizer = new H264Depacketizer({ clockRate: 90000 });
  private readonly gapMs: number;
  private readonly audio: AudioConfig;
  private readonly audioPayloadType: number | undefined;
  private readonly videoPayloadTypes: readonly number[] | undefined;
  private startMs: number | undefined;
  /** sender wall-clock ms at timeline 0, once a track has an SR */
  private wallBase: number | undefined;
  private audioConfigSent = false;
  private lastKeyframeRequest = -Infinity;
  keyframeRequests = 0;

  constructor(options: ReceivePipelineOptions = {}) {
    const useJitter = options.jitterBuffer ?? true;
    const delay = options.jitterDelayMs ?? 200;
    const track = (clockRate: number): Track => ({
      clock: new ClockMapper(clockRate),
      jitter: useJitter ? new JitterBuffer({ clockRate, maxDelayMs: delay }) : undefined,
      offsetMs: undefined,
    });
    this.audio = options.audio ?? OPUS_CONFIG;
    this.audioPayloadType = options.audioPayloadType;
    this.videoPayloadTypes = options.videoPayloadTypes;
    this.tracks = { video: track(90000), audio: track(this.audio.sampleRate) };
    this.gapMs = options.keyframeRequestGapMs ?? 500;
  }

  get stats(): { video: H264DepacketizerStats; jitter: Record<TrackKind, JitterBufferStats | undefined> } {
    return { video: this.depacketizer.stats, jitter: { video: this.tracks.video.jitter?.stats, audio: this.tracks.audio.jitter?.stats } };
  }

  /** One RTP packet of a track, with its arrival time (ms, any monotonic clock). */
  push(kind: TrackKind, packet: RtpPacket, nowMs: number): ReceiveOutput[] {
    this.startMs ??= nowMs;
    const track = this.tracks[kind];
    const out: ReceiveOutput[] = [];
    if (!track.jitter) {
      this.deliver(kind, packet, nowMs, out);
      return out;
    }
    for (const o of track.jitter.push(packet, nowMs)) if (o.type === "packet") this.deliver(kind, o.packet, nowMs, out);
    return out;
  }

  /** Releases what the jitter buffers held past their delay (call every few tens of ms). */
  poll(nowMs: number): ReceiveOutput[] {
    return this.release(nowMs, (jitter) => jitter.poll(nowMs));
  }

  /** Releases everything the jitter buffers hold (the media ends). */
  flush(nowMs: number): ReceiveOutput[] {
    return this.release(nowMs, (jitter) => jitter.flush());
  }

  private release(nowMs: number, take: (jitter: JitterBuffer) => JitterBufferOutput[]): ReceiveOutput[] {
    const out: ReceiveOutput[] = [];
    for (const kind of ["video", "audio"] as const) {
      const jitter = this.tracks[kind].jitter;
      if (!jitter) continue;
      for (const o of take(jitter)) if (o.type === "packet") this.deliver(kind, o.packet, nowMs, out);
    }
    return out;
  }

  /** An RTCP sender report for a track. */
  senderReport(kind: TrackKind, sr: SenderReportTimes): void {
    this.tracks[kind].clock.onSenderReport(sr);
  }

  /** Whether a keyframe request may go out now (rate limit); counts it when it may. */
  takeKeyframeRequest(nowMs: number): boolean {
    if (nowMs - this.lastKeyframeRequest < this.gapMs) return false;
    this.lastKeyframeRequest = nowMs;
    this.keyframeRequests++;
    return true;
  }

  private timeOf(kind: TrackKind, rtpTimestamp: number, nowMs: number): number {
    const track = this.tracks[kind];
    const relative = track.clock.relativeMs(rtpTimestamp);
    track.offsetMs ??= nowMs - this.startMs! - relative;
    let ms = track.offsetMs + relative;
    if (track.clock.synchronized) {
      const wall = track.clock.wallClockMs(rtpTimestamp)!;
      // the first synchronized frame fixes the base so its track goes on without a jump
      this.wallBase ??= wall - ms;
      ms = wall - this.wallBase;
    }
    ms = Math.max(0, Math.round(ms * 1000) / 1000);
    return ms;
  }

  private deliver(kind: TrackKind, packet: RtpPacket, nowMs: number, out: ReceiveOutput[]): void {
    if (kind === "audio") {
      if (this.audioPayloadType !== undefined && packet.payloadType !== this.audioPayloadType) return void out.push({ type: "event", packet });
      if (packet.payload.length === 0) return;
      if (!this.audioConfigSent) {
        this.audioConfigSent = true;
        out.push({ type: "config", config: this.audio });
      }
      const t = this.timeOf("audio", packet.timestamp, nowMs);
      const frame: AudioFrame = { kind: "audio", codec: this.audio.codec, dts: t, pts: t, key: true, data: packet.payload };
      out.push({ type: "frame", frame });
      return;
    }
    if (this.videoPayloadTypes && !this.videoPayloadTypes.includes(packet.payloadType)) return;
    for (const o of this.depacketizer.push(packet)) {
      if (o.type === "config") out.push({ type: "config", config: o.config });
      else if (o.type === "dropped") out.push({ type: "keyframe-request" });
      else {
        const t = this.timeOf("video", o.rtpTimestamp, nowMs);
        const frame: VideoFrame = { ...o.frame, dts: t, pts: t };
        out.push({ type: "frame", frame });
      }
    }
  }
}
