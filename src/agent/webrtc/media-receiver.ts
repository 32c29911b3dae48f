/**
 * Receiving media from a werift peer: H.264 and Opus RTP through the receive pipeline into frames
 * on one timeline, fed to a target (a Stream, or a relay). Keyframes are asked for with RTCP PLI
 * when video starts, when the peer connects, when a frame was lost, and on request (rate limited,
 * never dropped). Shared by the publisher (a browser publishes to us) and the agent client pulling
 * a stream from another server.
 */
import type { MediaStreamTrack, RTCPeerConnection, RtcpPacket, RtpPacket as WeriftRtpPacket } from "werift";
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { Logger } from "../../log.ts";
import { rtpPacket, type RtpPacket } from "../../rtp/packet.ts";
import { ReceivePipeline, type ReceiveOutput, type ReceivePipelineOptions, type TrackKind } from "../../rtp/receive-pipeline.ts";
import { fixWeriftNack } from "./werift-nack.ts";

const POLL_MS = 40;
const SR_TYPE = 200;

export interface ReceiverOptions extends ReceivePipelineOptions {
  readonly log?: Logger;
  /** monotonic ms (tests) */
  readonly now?: () => number;
}

/** Where received media goes (a Stream has this shape). */
export interface FrameTarget {
  setConfig(config: TrackConfig): void;
  pushFrame(frame: Frame): void;
}

/** werift's packet as the project's RTP packet model (werift has already removed padding). */
export function fromWerift(rtp: WeriftRtpPacket): RtpPacket {
  const h = rtp.header;
  return rtpPacket({ marker: h.marker, payloadType: h.payloadType, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, ssrc: h.ssrc, csrcs: h.csrc, payload: rtp.payload });
}

export class MediaReceiver {
  private readonly pc: RTCPeerConnection;
  private readonly options: ReceiverOptions;
  private readonly now: () => number;
  private readonly pipeline: ReceivePipeline;
  private readonly timer: NodeJS.Timeout;
  private target?: FrameTarget;
  private pending: ReceiveOutput[] = [];
  private videoTrack?: MediaStreamTrack;
  private sawVideo = false;
  private closed = false;
  private deferredPli?: NodeJS.Timeout;
  private plisSent = 0;

  constructor(pc: RTCPeerConnection, options: ReceiverOptions = {}) {
    this.pc = pc;
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.pipeline = new ReceivePipeline(options);
    pc.onTrack.subscribe((track) => this.onTrack(track));
    this.timer = setInterval(() => this.emit(this.pipeline.poll(this.now())), POLL_MS);
    this.timer.unref();
  }

  /** Starts feeding `target`; what arrived before is handed over first. */
  attach(target: FrameTarget): void {
    this.target = target;
    const held = this.pending;
    this.pending = [];
    this.emit(held);
  }

  /** ICE and DTLS are up: ask for a keyframe at once. */
  connected(): void {
    setTimeout(() => this.sendPli(true), 0);
  }

  requestKeyframe(): void {
    this.sendPli();
  }

  /** Stops polling (the peer failed); `close` also forgets the target. */
  pause(): void {
    clearInterval(this.timer);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.deferredPli);
    this.options.log?.debug("receiver closed", { depacketizer: this.pipeline.stats.video, plisSent: this.plisSent, jitter: this.pipeline.stats.jitter.video });
  }

  /** PLI now, or (rate limited) once the gap has passed: a request is never dropped. */
  private sendPli(force = false): void {
    const ssrc = this.videoTrack?.ssrc;
    if (this.closed || !ssrc) return;
    if (!force && !this.pipeline.takeKeyframeRequest(this.now())) {
      if (!this.deferredPli) {
        this.deferredPli = setTimeout(() => {
          this.deferredPli = undefined;
          this.sendPli();
        }, this.options.keyframeRequestGapMs ?? 500);
        this.deferredPli.unref();
      }
      return;
    }
    if (force) this.pipeline.takeKeyframeRequest(this.now());
    this.plisSent++;
    const receiver = this.pc.getTransceivers().find((t) => t.kind === "video")?.receiver;
    receiver?.sendRtcpPLI(ssrc).catch(() => {});
  }

  private emit(outputs: ReceiveOutput[]): void {
    if (outputs.length === 0 || this.closed) return;
    const target = this.target;
    if (!target) {
      this.pending.push(...outputs);
      if (this.pending.length > 2000) this.pending = this.pending.slice(-1000);
      return;
    }
    for (const o of outputs) {
      if (o.type === "config") target.setConfig(o.config);
      else if (o.type === "frame") target.pushFrame(o.frame);
      else if (o.type === "keyframe-request") this.sendPli();
    }
  }

  private onTrack(track: MediaStreamTrack): void {
    const kind: TrackKind = track.kind === "video" ? "video" : "audio";
    if (kind === "video") {
      this.videoTrack = track;
      const receiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))?.receiver;
      if (receiver) fixWeriftNack(receiver);
    }
    track.onReceiveRtp.subscribe((rtp) => {
      if (this.closed) return;
      if (kind === "video" && !this.sawVideo) {
        this.sawVideo = true;
        this.sendPli(true);
      }
      this.emit(this.pipeline.push(kind, fromWerift(rtp), this.now()));
    });
    track.onReceiveRtcp.subscribe((rtcp: RtcpPacket) => {
      if (rtcp.type !== SR_TYPE) return;
      const ntp = rtcp.senderInfo.ntpTimestamp;
      this.pipeline.senderReport(kind, { ntpMsw: Number(ntp >> 32n), ntpLsw: Number(ntp & 0xffffffffn), rtpTimestamp: rtcp.senderInfo.rtpTimestamp });
    });
  }
}
