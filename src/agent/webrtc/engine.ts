/** The werift MediaEngine: one RTCPeerConnection per publish or play, all on one network config. */
import type { Logger } from "../../log.ts";
import type { MediaEngine, PeerEvents, PlayPeer, PublishPeer } from "../signaling/media-engine.ts";
import type { MediaNetworkConfig } from "./peer-config.ts";
import { createWebRtcPlayer } from "./player.ts";
import { createWebRtcPublisher, type PublisherOptions } from "./publisher.ts";

export class WeriftEngine implements MediaEngine {
  private readonly net: MediaNetworkConfig;
  private readonly publisherOptions: PublisherOptions;

  constructor(net: MediaNetworkConfig, options: { readonly jitterBuffer?: boolean; readonly jitterDelayMs?: number; readonly log?: Logger } = {}) {
    this.net = net;
    this.publisherOptions = options;
  }

  createPublisher(offerSdp: string, events: PeerEvents): Promise<PublishPeer> {
    return createWebRtcPublisher(offerSdp, this.net, events, this.publisherOptions);
  }

  createPlayer(offerSdp: string, events: PeerEvents): Promise<PlayPeer> {
    return createWebRtcPlayer(offerSdp, this.net, events);
  }
}
