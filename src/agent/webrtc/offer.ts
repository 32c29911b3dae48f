/**
 * The offering side of a WebRTC peer, for the agent client (server-to-server relays): werift makes
 * the offer with our codecs (H.264 packetization-mode=1, Opus), send-only to push a stream to
 * another server or receive-only to play one from it. A receive-only offer also lists PCMA and PCMU,
 * as Chromium's does, so a server whose stream is G.711 (a SIP call's) can send it untranscoded; a
 * send-only offer of a G.711 stream lists that G.711 first, the other one next and Opus last.
 * The offer goes out complete (every candidate gathered first); the other server's answer is then
 * applied.
 */
import { RTCPeerConnection } from "werift";
import type { AudioConfig } from "../../codecs/frame.ts";
import { errorMessage } from "../../errors.ts";
import { AgentError, MEDIA_ERR } from "../errors.ts";
import type { PeerEvents } from "../signaling/media-engine.ts";
import type { MediaKind, MediaSender } from "./media-sender.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { audioChoiceConfig, firstAudioChoice, type AudioChoice } from "./offer-codecs.ts";
import { advertisePublicAddresses, peerConnectionOptions } from "./peer-config.ts";
import { setPeerReceiveBuffers } from "./peer-sockets.ts";
import { gatheringComplete, reportPeerState } from "./peer-state.ts";

export interface OfferOptions {
  readonly net: MediaNetworkConfig;
  readonly kinds: readonly MediaKind[];
  /** push: the tracks to send come from here; pull: absent (receive-only) */
  readonly sender?: MediaSender;
  /** push: the audio codecs to offer, first choice first (default Opus) */
  readonly sendAudio?: readonly AudioChoice[];
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

const RECEIVE_AUDIO: readonly AudioChoice[] = ["opus", "PCMA", "PCMU"];

/** What a push offers for a local stream whose audio is `source`: its G.711 first, then the other, then Opus. */
export function pushAudioOffer(source: AudioConfig | undefined): AudioChoice[] {
  if (source?.codec === "PCMA") return ["PCMA", "PCMU", "opus"];
  if (source?.codec === "PCMU") return ["PCMU", "PCMA", "opus"];
  return ["opus"];
}

export function createOfferingPeer(options: OfferOptions): OfferingPeer {
  const audio = options.sender ? (options.sendAudio ?? ["opus"]) : RECEIVE_AUDIO;
  const pc = new RTCPeerConnection(peerConnectionOptions(options.net, audio));
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
      setPeerReceiveBuffers(pc, options.net.receiveBufferBytes);
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
  const choice = firstAudioChoice(answerSdp);
  return choice && audioChoiceConfig(choice);
}
