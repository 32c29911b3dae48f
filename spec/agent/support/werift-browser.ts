/**
 * A werift peer that behaves like the Web SDK in a browser: it sends its offer before gathering
 * (no candidates, no trickle), so the server must answer completely and learn the peer's address
 * from its connectivity checks. Gathers on 127.0.0.1 only.
 */
import { readFileSync } from "node:fs";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RTCDtlsTransport } from "werift";
import { WebSocket } from "ws";
import type { H264Config, VideoFrame } from "../../../src/codecs/frame.ts";
import { FlvReader, frameFromTag } from "../../../src/flv/index.ts";
import { packetizeH264 } from "../../../src/rtp/h264/packetizer.ts";
import { encodeRtp, rtpPacket } from "../../../src/rtp/packet.ts";
import { fixture } from "../../support/fixtures.ts";
import { mediaPortRange } from "../../support/media-ports.ts";

const LOOPBACK_PORTS = mediaPortRange(200);
export const LOOPBACK_NET = { interfaceAddresses: ["127.0.0.1"], publicAddresses: [], portFrom: LOOPBACK_PORTS.media_port_from, portTo: LOOPBACK_PORTS.media_port_to } as const;

function loopbackPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: {
      video: [
        new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000 }),
        new RTCRtpCodecParameters({ mimeType: "video/H264", clockRate: 90000, parameters: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f", rtcpFeedback: [{ type: "nack", parameter: "pli" }] }),
        new RTCRtpCodecParameters({ mimeType: "video/H264", clockRate: 90000, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", rtcpFeedback: [{ type: "nack", parameter: "pli" }] }),
      ],
      audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2 })],
    },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceInterfaceAddresses: { udp4: "127.0.0.1" },
  });
}

export interface FakeBrowser {
  readonly pc: RTCPeerConnection;
  /** the offer as the SDK sends it: taken before gathering, so without candidates */
  readonly offer: string;
  accept(answer: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A publishing browser connected through the WCS WebSocket API at `url` the way the Web SDK does it
 * (`connection`, `publishStream`, the answer from `setRemoteSDP`); resolves once the server says
 * PUBLISHING, so its side is connected and the first keyframe is not lost. `extra` goes into the
 * publishStream object.
 */
export async function signaledPublisher(url: string, name: string, extra: Record<string, unknown> = {}): Promise<{ browser: PublishingBrowser; ws: WebSocket }> {
  const browser = await publishingBrowser();
  const ws = new WebSocket(url);
  await new Promise((r) => ws.once("open", r));
  let publishing: () => void = () => {};
  const isPublishing = new Promise<void>((r) => (publishing = r));
  const answer = new Promise<string>((resolve) => {
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as { message: string; data: { status?: string }[] };
      if (f.message === "setRemoteSDP") resolve(f.data[1] as unknown as string);
      if (f.message === "notifyStreamStatusEvent" && f.data[0]?.status === "PUBLISHING") publishing();
    });
  });
  ws.send(JSON.stringify({ message: "connection", data: [{ appKey: "defaultApp" }] }));
  ws.send(JSON.stringify({ message: "publishStream", data: [{ mediaSessionId: `m-${name}`, name, sdp: browser.offer, ...extra }] }));
  await browser.accept(await answer);
  await isPublishing;
  return { browser, ws };
}

export type PublishingBrowser = FakeBrowser & { video: MediaStreamTrack; audio: MediaStreamTrack; plis: number };

/** A publishing browser with one H.264 and one Opus send-only track. */
export async function publishingBrowser(): Promise<PublishingBrowser> {
  const pc = loopbackPeer();
  const video = new MediaStreamTrack({ kind: "video" });
  const audio = new MediaStreamTrack({ kind: "audio" });
  const vt = pc.addTransceiver(video, { direction: "sendonly" });
  pc.addTransceiver(audio, { direction: "sendonly" });
  const offer = await pc.createOffer();
  const transports = pc.dtlsTransports;
  const result = {
    pc,
    video,
    audio,
    plis: 0,
    offer: offer.sdp,
    async accept(answer: string) {
      await pc.setLocalDescription(offer);
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
    },
    close: () => closeAll(pc, transports),
  };
  vt.sender.onPictureLossIndication.subscribe(() => void result.plis++);
  return result;
}

/** A playing browser: receive-only H.264 and Opus. */
export async function playingBrowser(): Promise<FakeBrowser & { received: { video: number; audio: number; videoPackets: Uint8Array[]; audioPayloads: Uint8Array[] } }> {
  const pc = loopbackPeer();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const received = { video: 0, audio: 0, videoPackets: [] as Uint8Array[], audioPayloads: [] as Uint8Array[] };
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      if (track.kind === "video") {
        received.video++;
        if (received.videoPackets.length < 5000) received.videoPackets.push(new Uint8Array(rtp.serialize()));
      } else {
        received.audio++;
        if (received.audioPayloads.length < 5000) received.audioPayloads.push(new Uint8Array(rtp.payload));
      }
    });
  });
  const offer = await pc.createOffer();
  const transports = pc.dtlsTransports;
  return {
    pc,
    received,
    offer: offer.sdp,
    async accept(answer: string) {
      await pc.setLocalDescription(offer);
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
    },
    close: () => closeAll(pc, transports),
  };
}

/** The H.264 config and the first `count` video frames of the 480x270 Big Buck Bunny FLV. */
export function fixtureVideo(count: number): { config: H264Config; frames: VideoFrame[] } {
  const reader = new FlvReader();
  let config: H264Config | undefined;
  let lengthSize = 4;
  const frames: VideoFrame[] = [];
  for (const out of reader.push(readFileSync(fixture("flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv")))) {
    if (out.type !== "tag" || frames.length >= count) continue;
    const media = frameFromTag({ tagType: out.header.tagType, timestamp: out.header.timestamp, data: out.data }, { nalLengthSize: lengthSize });
    if (media.type === "config" && media.config.codec === "H264") {
      config = media.config as H264Config;
      lengthSize = media.nalLengthSize ?? 4;
    } else if (media.type === "frame" && media.frame.kind === "video") frames.push(media.frame);
  }
  if (!config) throw new Error("fixture has no AVC sequence header");
  return { config, frames };
}

/** Writes one access unit to a werift track as RTP (SPS/PPS in front of keyframes). */
export function writeVideo(track: MediaStreamTrack, frame: VideoFrame, config: H264Config, seq: { n: number }): void {
  const nalus = frame.key ? [config.sps, config.pps, ...frame.data] : frame.data;
  const payloads = packetizeH264(nalus);
  const timestamp = (frame.dts * 90) >>> 0;
  payloads.forEach((payload, i) => {
    const bytes = encodeRtp(rtpPacket({ payloadType: 96, sequenceNumber: seq.n++ & 0xffff, timestamp, ssrc: 1, marker: i === payloads.length - 1, payload }));
    track.writeRtp(Buffer.from(bytes));
  });
}

/** A 20 ms Opus packet (CELT fullband silence, TOC 0xf8) at `index`. */
export const OPUS_SILENCE = new Uint8Array([0xf8, 0xff, 0xfe]);
export function writeOpus(track: MediaStreamTrack, index: number): void {
  const bytes = encodeRtp(rtpPacket({ payloadType: 111, sequenceNumber: index & 0xffff, timestamp: (index * 960) >>> 0, ssrc: 2, marker: false, payload: OPUS_SILENCE }));
  track.writeRtp(Buffer.from(bytes));
}

/** The 20 ms Opus packets due while video frame `frame` of a 30 fps stream is shown: 5 per 3 frames, numbered on. */
export function writeOpusForFrame(track: MediaStreamTrack, frame: number): void {
  for (let index = Math.floor((frame * 5) / 3); index < Math.floor(((frame + 1) * 5) / 3); index++) writeOpus(track, index);
}

/**
 * werift gathers one transport per m-line for an offer and, once BUNDLE is accepted, forgets all but
 * the first without closing them: close those too, or their UDP sockets stay open.
 */
async function closeAll(pc: RTCPeerConnection, transports: readonly RTCDtlsTransport[]): Promise<void> {
  await pc.close();
  await Promise.allSettled(transports.map((t) => t.stop()));
}
