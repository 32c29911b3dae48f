/**
 * The media a SIP call receives, made into stream frames by the receive pipeline WebRTC publishers
 * use (rtp/receive-pipeline.ts): RTP from the phone -> jitter buffer (`rtp_in_buffer`,
 * `rtp_in_buffer_delay`) -> G.711 audio frames and H.264 access units on one millisecond timeline,
 * aligned by the phone's RTCP sender reports when it sends them -> the stream. Telephone-events from
 * the phone are reported as digits. Video keyframes are asked for with RTCP PLI + FIR and, through
 * the call, a SIP INFO picture_fast_update; requests closer than `KEYFRAME_REQUEST_GAP_MS` are merged.
 */
import type { AudioConfig, Frame, TrackConfig } from "../../codecs/frame.ts";
import type { JitterBufferStats } from "../../rtp/jitter-buffer.ts";
import type { H264DepacketizerStats } from "../../rtp/h264/depacketizer.ts";
import type { RtpPacket } from "../../rtp/packet.ts";
import { ReceivePipeline, type ReceiveOutput, type SenderReportTimes, type TrackKind } from "../../rtp/receive-pipeline.ts";
import { DtmfReceiver } from "../../rtp/telephone-event.ts";
import type { RtpSessionStats } from "../../rtp/udp-session.ts";

export const KEYFRAME_REQUEST_GAP_MS = 500;

export interface CallMediaOutput {
  config(config: TrackConfig): void;
  frame(frame: Frame): void;
}

/** The part of an RtpUdpSession the media path uses. */
export interface CallRtpSession {
  readonly stats: RtpSessionStats;
  requestKeyframe(firSequence: number): void;
}

export interface CallAudioIn {
  readonly session: CallRtpSession;
  readonly codec: "PCMA" | "PCMU";
  readonly payloadType: number;
  readonly telephoneEventPayloadType?: number;
}

export interface CallVideoIn {
  readonly session: CallRtpSession;
  /** the H.264 payload types of the answer */
  readonly payloadTypes: readonly number[];
}

export interface CallMediaOptions {
  readonly audio?: CallAudioIn;
  readonly video?: CallVideoIn;
  readonly jitterBuffer: boolean;
  readonly jitterDelayMs: number;
  readonly output: CallMediaOutput;
  /** asks the phone for a keyframe with SIP INFO (the call sends it) */
  readonly onKeyframeInfo?: () => void;
  readonly onDtmf?: (digit: string) => void;
  readonly now?: () => number;
}

/** The Call object's `rtpStats`: what each medium's session, jitter buffer and depacketizer counted. */
export interface CallRtpStats {
  readonly audio?: { readonly session: RtpSessionStats; readonly jitterBuffer?: JitterBufferStats; readonly frames: number; readonly dtmfReceived: number };
  readonly video?: { readonly session: RtpSessionStats; readonly jitterBuffer?: JitterBufferStats; readonly depacketizer: H264DepacketizerStats; readonly keyframeRequests: number };
}

export class CallMedia {
  readonly #o: CallMediaOptions;
  readonly #now: () => number;
  readonly #pipeline: ReceivePipeline;
  readonly #dtmf = new DtmfReceiver();
  #timer: NodeJS.Timeout | undefined;
  #firSequence = 0;
  #audioFrames = 0;
  #dtmfReceived = 0;

  constructor(options: CallMediaOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const { audio, video } = options;
    this.#pipeline = new ReceivePipeline({
      jitterBuffer: options.jitterBuffer,
      jitterDelayMs: options.jitterDelayMs,
      keyframeRequestGapMs: KEYFRAME_REQUEST_GAP_MS,
      ...(audio ? { audio: this.audioConfig, audioPayloadType: audio.payloadType } : {}),
      ...(video ? { videoPayloadTypes: video.payloadTypes } : {}),
    });
  }

  /** The audio config the stream gets (G.711 8 kHz mono). */
  get audioConfig(): AudioConfig | undefined {
    return this.#o.audio ? { codec: this.#o.audio.codec, sampleRate: 8000, channels: 1 } : undefined;
  }

  /** Starts the timer that releases packets the jitter buffer held past their delay. */
  start(): void {
    if (this.#o.jitterBuffer) this.#timer ??= setInterval(() => this.poll(), 20);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#emit(this.#pipeline.flush(this.#now()));
    for (const d of this.#dtmf.flush()) this.#digit(d.digit);
  }

  poll(): void {
    this.#emit(this.#pipeline.poll(this.#now()));
  }

  receiveAudio(packet: RtpPacket): void {
    if (this.#o.audio) this.#emit(this.#pipeline.push("audio", packet, this.#now()));
  }

  receiveVideo(packet: RtpPacket): void {
    if (this.#o.video) this.#emit(this.#pipeline.push("video", packet, this.#now()));
  }

  /** An RTCP sender report from the phone: from then on the medium is on the phone's wall clock. */
  senderReport(kind: TrackKind, sr: SenderReportTimes): void {
    this.#pipeline.senderReport(kind, sr);
  }

  /** PLI + FIR on the video session and SIP INFO picture_fast_update, at most every 500 ms. */
  requestKeyframe(): void {
    const v = this.#o.video;
    if (!v || !this.#pipeline.takeKeyframeRequest(this.#now())) return;
    v.session.requestKeyframe(this.#firSequence++);
    this.#o.onKeyframeInfo?.();
  }

  get stats(): CallRtpStats {
    const a = this.#o.audio;
    const v = this.#o.video;
    const { jitter, video: depacketizer } = this.#pipeline.stats;
    return {
      ...(a ? { audio: { session: a.session.stats, ...(jitter.audio ? { jitterBuffer: jitter.audio } : {}), frames: this.#audioFrames, dtmfReceived: this.#dtmfReceived } } : {}),
      ...(v ? { video: { session: v.session.stats, ...(jitter.video ? { jitterBuffer: jitter.video } : {}), depacketizer, keyframeRequests: this.#pipeline.keyframeRequests } } : {}),
    };
  }

  #emit(outputs: readonly ReceiveOutput[]): void {
    for (const o of outputs) {
      if (o.type === "config") this.#o.output.config(o.config);
      else if (o.type === "frame") {
        if (o.frame.kind === "audio") this.#audioFrames++;
        this.#o.output.frame(o.frame);
      } else if (o.type === "keyframe-request") this.requestKeyframe();
      else this.#event(o.packet);
    }
  }

  #event(packet: RtpPacket): void {
    if (packet.payloadType !== this.#o.audio!.telephoneEventPayloadType) return;
    try {
      for (const d of this.#dtmf.push(packet)) this.#digit(d.digit);
    } catch {
      // a malformed event payload is ignored
    }
  }

  #digit(digit: string | undefined): void {
    if (digit === undefined) return;
    this.#dtmfReceived++;
    this.#o.onDtmf?.(digit);
  }
}
