/**
 * Answering a browser's offer with werift: the offer narrowed to our codecs, a complete answer
 * (every candidate gathered before it is returned: the Web SDK never trickles), and the peer's
 * connection state turned into the two PeerEvents the signaling session needs. The browser's own
 * address comes from its connectivity checks (a peer-reflexive candidate); werift accepts those.
 */
import { RTCPeerConnection } from "werift";
import { errorMessage, TranspondError } from "../../errors.ts";
import { AgentError, MEDIA_ERR } from "../errors.ts";
import type { PeerEvents } from "../signaling/media-engine.ts";
import { selectOfferCodecs, type AudioChoice, type OfferCodecs } from "./offer-codecs.ts";
import { gatheringComplete, reportPeerState } from "./peer-state.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { advertisePublicAddresses, peerConnectionOptions } from "./peer-config.ts";
import { setPeerReceiveBuffers } from "./peer-sockets.ts";

export interface AnsweringPeer {
  readonly pc: RTCPeerConnection;
  readonly offer: OfferCodecs;
  /** Does the answer and returns it complete. `prepare` runs after the remote offer is set. */
  answer(prepare?: (pc: RTCPeerConnection) => void | Promise<void>): Promise<string>;
  /** Closes the peer connection; PeerEvents stay silent afterwards. */
  close(): void;
}

/**
 * Throws AgentError MEDIA_ERR.* (ParseError for BAD_SDP) for an offer we cannot take.
 * `audioPreference` (players, and publishers whose offer puts G.711 first) picks one audio codec
 * from that list (see selectOfferCodecs).
 */
export function createAnsweringPeer(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents, audioPreference?: readonly AudioChoice[]): AnsweringPeer {
  const offer = selectOfferCodecs(offerSdp, audioPreference);
  const pc = new RTCPeerConnection(peerConnectionOptions(net, audioPreference));
  let closed = false;
  reportPeerState(pc, events, () => closed);
  const close = () => {
    if (closed) return;
    closed = true;
    pc.close().catch(() => {});
  };
  return {
    pc,
    offer,
    close,
    async answer(prepare) {
      try {
        await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
        await prepare?.(pc);
        await pc.setLocalDescription(await pc.createAnswer());
        await gatheringComplete(pc);
        setPeerReceiveBuffers(pc, net.receiveBufferBytes);
      } catch (err) {
        close();
        if (err instanceof TranspondError) throw err;
        throw new AgentError(MEDIA_ERR.BAD_SDP, `werift could not answer the offer: ${errorMessage(err)}`, { cause: err });
      }
      const sdp = pc.localDescription?.sdp;
      if (!sdp || !/^a=candidate:/m.test(sdp)) {
        close();
        throw new AgentError(MEDIA_ERR.PEER, "no ICE candidate could be gathered (check ice_interface_addresses and media_port_from..media_port_to)");
      }
      return advertisePublicAddresses(sdp, net.publicAddresses);
    },
  };
}
