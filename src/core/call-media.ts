/**
 * The media a SIP call receives, made into stream frames: RTP from the phone -> jitter buffer
 * (`rtp_in_buffer`, `rtp_in_buffer_delay`) -> G.711 audio frames and H.264 access units (through the
 * depacketizer) on one millisecond timeline -> the stream. Telephone-events from the phone are
 * reported as digits. Video keyframes are asked for with RTCP PLI + FIR and, through the call, a
 * SIP INFO picture_fast_update; requests closer than `KEYFRAME_REQUEST_GAP_MS` are merged.
 *
 * Timeline: 0 is the arrival of the first packet of the call; each medium starts at the arrival of
 * its own first packet and then follows its RTP clock, so audio and video stay aligned.
 */
import type { AudioConfig, Frame, TrackConfig } from "../codecs/frame.ts";
import { JitterBuffer, type JitterBufferOutput, type JitterBufferStats } from "../rtp/jitter-buffer.ts";
import { H264Depacketizer, type H264DepacketizerStats } from "../rtp/h264/depacketizer.ts";
import type { RtpPacket } from "../rtp/packet.ts";
import { ClockMapper } from "../rtp/clock.ts";
import { DtmfReceiver } from "../rtp/telephone-event.ts";
import type { RtpSessionStats } from "../rtp/udp-session.ts";

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

class Medium {
  readonly buffer: JitterBuffer | undefined;
  readonly clock: ClockMapper;
  baseMs: number | undefined;

  constructor(clockRate: number, options: CallMediaOptions) {
    this.clock = new ClockMapper(clockRate);
    this.buffer = options.jitterBuffer ? new JitterBuffer({ clockRate, maxDelayMs: options.jitterDelayMs }) : undefined;
  }
}

export class CallMedia {
  readonly #o: CallMediaOptions;
  readonly #now: () => number;
  readonly #audio: Medium | undefined;
  readonly #video: Medium | undefined;
  readonly #depacketizer = new H264Depacketizer();
  readonly #dtmf = new DtmfReceiver();
  #t0: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastKeyframeRequest = -Infinity;
  #firSequence = 0;
  #audioFrames = 0;
  #dtmfReceived = 0;
  #keyframeRequests = 0;
  #audioConfigSent = false;

  constructor(options: CallMediaOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#audio = options.audio ? new Medium(8000, options) : undefined;
    this.#video = options.video ? new Medium(90000, options) : undefined;
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
    if (this.#audio?.buffer) this.#audioOut(this.#audio.buffer.flush());
    if (this.#video?.buffer) this.#videoOut(this.#video.buffer.flush());
    for (const d of this.#dtmf.flush()) this.#digit(d.digit);
  }

  poll(): void {
    const now = this.#now();
    if (this.#audio?.buffer) this.#audioOut(this.#audio.buffer.poll(now));
    if (this.#video?.buffer) this.#videoOut(this.#video.buffer.poll(now));
  }

  receiveAudio(packet: RtpPacket): void {
    const m = this.#audio!;
    this.#arrive(m);
    if (m.buffer) this.#audioOut(m.buffer.push(packet, this.#now()));
    else this.#audioPacket(packet);
  }

  receiveVideo(packet: RtpPacket): void {
    const m = this.#video!;
    this.#arrive(m);
    if (m.buffer) this.#videoOut(m.buffer.push(packet, this.#now()));
    else this.#videoPacket(packet);
  }

  /** PLI + FIR on the video session and SIP INFO picture_fast_update, at most every 500 ms. */
  requestKeyframe(): void {
    const v = this.#o.video;
    if (!v) return;
    const now = this.#now();
    if (now - this.#lastKeyframeRequest < KEYFRAME_REQUEST_GAP_MS) return;
    this.#lastKeyframeRequest = now;
    this.#keyframeRequests++;
    v.session.requestKeyframe(this.#firSequence++);
    this.#o.onKeyframeInfo?.();
  }

  get stats(): CallRtpStats {
    const a = this.#o.audio;
    const v = this.#o.video;
    return {
      ...(a
        ? { audio: { session: a.session.stats, ...(this.#audio?.buffer ? { jitterBuffer: this.#audio.buffer.stats } : {}), frames: this.#audioFrames, dtmfReceived: this.#dtmfReceived } }
        : {}),
      ...(v
        ? { video: { session: v.session.stats, ...(this.#video?.buffer ? { jitterBuffer: this.#video.buffer.stats } : {}), depacketizer: this.#depacketizer.stats, keyframeRequests: this.#keyframeRequests } }
        : {}),
    };
  }

  #arrive(m: Medium): void {
    const now = this.#now();
    this.#t0 ??= now;
    m.baseMs ??= now - this.#t0;
  }

  #audioOut(out: readonly JitterBufferOutput[]): void {
    for (const o of out) if (o.type === "packet") this.#audioPacket(o.packet);
  }

  #videoOut(out: readonly JitterBufferOutput[]): void {
    for (const o of out) if (o.type === "packet") this.#videoPacket(o.packet);
  }

  #audioPacket(packet: RtpPacket): void {
    const a = this.#o.audio!;
    const m = this.#audio!;
    if (packet.payloadType === a.telephoneEventPayloadType) {
      try {
        for (const d of this.#dtmf.push(packet)) this.#digit(d.digit);
      } catch {
        // a malformed event payload is ignored
      }
      return;
    }
    if (packet.payloadType !== a.payloadType || packet.payload.length === 0) return;
    if (!this.#audioConfigSent) {
      this.#audioConfigSent = true;
      this.#o.output.config(this.audioConfig!);
    }
    const ms = m.baseMs! + m.clock.relativeMs(packet.timestamp);
    this.#audioFrames++;
    this.#o.output.frame({ kind: "audio", codec: a.codec, dts: ms, pts: ms, key: true, data: packet.payload });
  }

  #videoPacket(packet: RtpPacket): void {
    if (!this.#o.video!.payloadTypes.includes(packet.payloadType)) return;
    const base = this.#video!.baseMs!;
    for (const out of this.#depacketizer.push(packet)) {
      if (out.type === "config") this.#o.output.config(out.config);
      else if (out.type === "frame") this.#o.output.frame({ ...out.frame, dts: out.frame.dts + base, pts: out.frame.pts + base });
      else if (out.type === "dropped" && out.requestKeyframe) this.requestKeyframe();
    }
  }

  #digit(digit: string | undefined): void {
    if (digit === undefined) return;
    this.#dtmfReceived++;
    this.#o.onDtmf?.(digit);
  }
}
