/** The werift MediaEngine: one RTCPeerConnection per publish or play, all on one network config. */
import { OPUS_DEFAULT_BITRATE } from "../../audio/transcoder.ts";
import type { TranscoderMaker } from "../../audio/transcoders.ts";
import type { Logger } from "../../log.ts";
import type { MediaEngine, PeerEvents, PlayPeer, PlaySource, PublishPeer } from "../signaling/media-engine.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { createWebRtcPlayer } from "./player.ts";
import { createWebRtcPublisher, type PublisherOptions } from "./publisher.ts";

export class WeriftEngine implements MediaEngine {
  private readonly net: MediaNetworkConfig;
  private readonly publisherOptions: PublisherOptions;
  private readonly opusBitrate: number;
  private readonly log: Logger | undefined;
  private readonly transcoders: ((streamName: string) => TranscoderMaker) | undefined;

  constructor(
    net: MediaNetworkConfig,
    options: {
      readonly jitterBuffer?: boolean;
      readonly jitterDelayMs?: number;
      readonly opusBitrate?: number;
      readonly log?: Logger;
      /** where a played stream's audio is transcoded (codec workers); in this thread without */
      readonly transcoders?: (streamName: string) => TranscoderMaker;
    } = {},
  ) {
    this.net = net;
    this.publisherOptions = options;
    this.opusBitrate = options.opusBitrate ?? OPUS_DEFAULT_BITRATE;
    this.log = options.log;
    this.transcoders = options.transcoders;
  }

  createPublisher(offerSdp: string, events: PeerEvents): Promise<PublishPeer> {
    return createWebRtcPublisher(offerSdp, this.net, events, this.publisherOptions);
  }

  createPlayer(offerSdp: string, events: PeerEvents, source?: PlaySource): Promise<PlayPeer> {
    const transcoder = source?.name !== undefined ? this.transcoders?.(source.name) : undefined;
    return createWebRtcPlayer(offerSdp, this.net, events, { opusBitrate: this.opusBitrate, ...(source ? { source } : {}), ...(this.log ? { log: this.log } : {}), ...(transcoder ? { transcoder } : {}) });
  }
}
