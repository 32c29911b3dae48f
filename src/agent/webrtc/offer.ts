/**
 * The offering side of a WebRTC peer, for the agent client (server-to-server relays): werift makes
 * the offer with our codecs (H.264 packetization-mode=1, Opus), send-only to push a stream to
 * another server or receive-only to play one from it. A receive-only offer also lists PCMA and PCMU,
 * as Chromium's does, so a server whose stream is G.711 (a SIP call's) can send it untranscoded.
 * The offer goes out complete (every candidate gathered first); the other server's answer is then
 * applied.
 */
import { RTCPeerConnection } from "werift";
import type { AudioConfig } from "../../codecs/frame.ts";
import { errorMessage } from "../../errors.ts";
import { offeredCodecs } from "../../sdp/codecs.ts";
import { parseSdp } from "../../sdp/parse.ts";
import { AgentError, MEDIA_ERR } from "../errors.ts";
import type { PeerEvents } from "../signaling/media-engine.ts";
import type { MediaKind, MediaSender } from "./media-sender.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { advertisePublicAddresses, peerConnectionOptions } from "./peer-config.ts";
import { gatheringComplete, reportPeerState } from "./peer-state.ts";

export interface OfferOptions {
  readonly net: MediaNetworkConfig;
  readonly kinds: readonly MediaKind[];
  /** push: the tracks to send come from here; pull: absent (receive-only) */
  readonly sender?: MediaSender;
  /** push: the other side asked for a keyframe (RTCP PLI) */
  readonly onKeyframeRequest?: () => void;
  readonly events: PeerEvents;
}

export interface OfferingPeer {
  readonly pc: RTCPeerConnection;
  /** The complete offer. Throws AgentError MEDIA_ERR.PEER when no candidate could be gathered. */
  offer(): Promise<string>;
  accept(answerSdp: string): Promise<void>;
  close(): void;
}

export function createOfferingPeer(options: OfferOptions): OfferingPeer {
  const pc = new RTCPeerConnection(peerConnectionOptions(options.net, options.sender === undefined));
  let closed = false;
  reportPeerState(pc, options.events, () => closed);
  for (const kind of options.kinds) {
    if (options.sender) {
      const transceiver = pc.addTransceiver(options.sender.addTrack(kind), { direction: "sendonly" });
      if (kind === "video" && options.onKeyframeRequest) transceiver.sender.onPictureLossIndication.subscribe(options.onKeyframeRequest);
    } else pc.addTransceiver(kind, { direction: "recvonly" });
  }
  const close = () => {
    if (closed) return;
    closed = true;
    pc.close().catch(() => {});
  };
  return {
    pc,
    close,
    async offer() {
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc);
      const sdp = pc.localDescription?.sdp;
      if (!sdp || !/^a=candidate:/m.test(sdp)) {
        throw new AgentError(MEDIA_ERR.PEER, "no ICE candidate could be gathered (check ice_interface_addresses and media_port_from..media_port_to)");
      }
      return advertisePublicAddresses(sdp, options.net.publicAddresses);
    },
    async accept(answerSdp) {
      try {
        await pc.setRemoteDescription({ type: "answer", sdp: answerSdp });
      } catch (err) {
        throw new AgentError(MEDIA_ERR.BAD_SDP, `werift could not apply the answer: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}

/**
 * The audio an answer chose (its audio section's first codec): G.711 8 kHz mono, else Opus; undefined
 * when it has no live audio section. Throws ParseError for an answer that is not SDP.
 */
export function answeredAudio(answerSdp: string): AudioConfig | undefined {
  const description = parseSdp(answerSdp);
  const index = description.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  if (index < 0) return undefined;
  const first = offeredCodecs(description.media[index]!, index)[0];
  const encoding = first?.encoding.toUpperCase();
  if ((encoding === "PCMA" || encoding === "PCMU") && first!.clockRate === 8000) return { codec: encoding, sampleRate: 8000, channels: 1 };
  return { codec: "OPUS", sampleRate: 48000, channels: 2 };
}
