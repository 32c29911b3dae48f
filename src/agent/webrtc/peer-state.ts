/**
 * werift's connection state as the two PeerEvents the rest of the agent needs, and the wait for
 * candidate gathering (offers and answers go out complete: the WCS protocol has no trickle).
 */
import type { RTCPeerConnection } from "werift";
import type { PeerEvents } from "../signaling/media-engine.ts";
import { INFO } from "../signaling/messages.ts";

/** Longest wait for candidate gathering (werift gives up on an address after 5 s). */
const GATHER_TIMEOUT_MS = 6000;

/** Reports connected / failed / closed until `isClosed()` says the peer was closed by us. */
export function reportPeerState(pc: RTCPeerConnection, events: PeerEvents, isClosed: () => boolean): void {
  pc.connectionStateChange.subscribe((state) => {
    if (isClosed()) return;
    if (state === "connected") events.connected();
    else if (state === "failed") events.failed(INFO.ICE_ERROR);
    else if (state === "closed") events.failed(INFO.ERROR);
  });
}

export function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === "complete") done();
    });
    function done() {
      clearTimeout(timer);
      unSubscribe();
      resolve();
    }
  });
}
