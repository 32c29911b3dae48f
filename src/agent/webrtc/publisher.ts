/**
 * A browser publishing over WebRTC: werift receives H.264 and Opus RTP, the receive pipeline turns
 * it into frames on one timeline, and they go into the hub's stream. Keyframes are asked for with
 * RTCP PLI when the stream starts, when a frame was lost, and when the hub asks (a new sink).
 */
import type { MediaStreamTrack, RTCPeerConnection, RtcpPacket, RtpPacket as WeriftRtpPacket } from "werift";
import type { Stream } from "../../core/stream.ts";
import type { Logger } from "../../log.ts";
import { rtpPacket, type RtpPacket } from "../../rtp/packet.ts";
import type { PeerEvents, PublishPeer } from "../signaling/media-engine.ts";
import { createAnsweringPeer } from "./answer.ts";
import type { MediaNetworkConfig } from "./peer-config.ts";
import { ReceivePipeline, type ReceiveOutput, type ReceivePipelineOptions, type TrackKind } from "./receive-pipeline.ts";

const POLL_MS = 40;
const SR_TYPE = 200;

export interface PublisherOptions extends ReceivePipelineOptions {
  readonly log?: Logger;
  /** monotonic ms (tests) */
  readonly now?: () => number;
}

/** werift's packet as the project's RTP packet model (werift has already removed padding). */
export function fromWerift(rtp: WeriftRtpPacket): RtpPacket {
  const h = rtp.header;
  return rtpPacket({ marker: h.marker, payloadType: h.payloadType, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, ssrc: h.ssrc, csrcs: h.csrc, payload: rtp.payload });
}

export async function createWebRtcPublisher(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents, options: PublisherOptions = {}): Promise<PublishPeer> {
  const now = options.now ?? (() => performance.now());
  const pipeline = new ReceivePipeline(options);
  let stream: Stream | undefined;
  let pending: ReceiveOutput[] = [];
  let videoTrack: MediaStreamTrack | undefined;
  let pc: RTCPeerConnection | undefined;
  let sawVideo = false;
  let closed = false;

  let deferredPli: ReturnType<typeof setTimeout> | undefined;
  let plisSent = 0;
  /** PLI now, or (rate limited) once the gap has passed: a request is never dropped. */
  const sendPli = (force = false) => {
    if (closed || !pc || !videoTrack?.ssrc) return;
    if (!force && !pipeline.takeKeyframeRequest(now())) {
      if (!deferredPli) {
        deferredPli = setTimeout(() => {
          deferredPli = undefined;
          sendPli();
        }, options.keyframeRequestGapMs ?? 500);
        deferredPli.unref();
      }
      return;
    }
    if (force) pipeline.takeKeyframeRequest(now());
    plisSent++;
    const receiver = pc.getTransceivers().find((t) => t.kind === "video")?.receiver;
    receiver?.sendRtcpPLI(videoTrack.ssrc).catch(() => {});
  };

  const emit = (outputs: ReceiveOutput[]) => {
    if (outputs.length === 0) return;
    if (!stream) {
      pending.push(...outputs);
      if (pending.length > 2000) pending = pending.slice(-1000);
      return;
    }
    for (const o of outputs) {
      if (o.type === "config") stream.setConfig(o.config);
      else if (o.type === "frame") stream.pushFrame(o.frame);
      else sendPli();
    }
  };

  const onTrack = (track: MediaStreamTrack) => {
    const kind: TrackKind = track.kind === "video" ? "video" : "audio";
    if (kind === "video") videoTrack = track;
    track.onReceiveRtp.subscribe((rtp) => {
      if (closed) return;
      if (kind === "video" && !sawVideo) {
        sawVideo = true;
        sendPli(true);
      }
      emit(pipeline.push(kind, fromWerift(rtp), now()));
    });
    track.onReceiveRtcp.subscribe((rtcp: RtcpPacket) => {
      if (rtcp.type !== SR_TYPE) return;
      const ntp = rtcp.senderInfo.ntpTimestamp;
      pipeline.senderReport(kind, { ntpMsw: Number(ntp >> 32n), ntpLsw: Number(ntp & 0xffffffffn), rtpTimestamp: rtcp.senderInfo.rtpTimestamp });
    });
  };

  const timer = setInterval(() => emit(pipeline.poll(now())), POLL_MS);
  timer.unref();
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    clearTimeout(deferredPli);
    options.log?.debug("publisher closed", { depacketizer: pipeline.stats.video, plisSent, jitter: pipeline.stats.jitter.video, streamFrames: stream?.frames });
    peer.close();
  };
  const peer = createAnsweringPeer(offerSdp, net, {
    connected: () => {
      events.connected();
      setTimeout(() => sendPli(true), 0);
    },
    failed: (info) => {
      clearInterval(timer);
      events.failed(info);
    },
  });
  pc = peer.pc;
  pc.onTrack.subscribe(onTrack);
  let answerSdp: string;
  try {
    answerSdp = await peer.answer();
  } catch (err) {
    close();
    throw err;
  }
  options.log?.debug("publisher answered", { video: peer.offer.video, audio: peer.offer.audio });

  return {
    answerSdp,
    attach(s) {
      stream = s;
      const held = pending;
      pending = [];
      emit(held);
    },
    requestKeyframe: () => sendPli(),
    close,
  };
}
