/**
 * A browser publishing over WebRTC: werift receives H.264 and Opus RTP and the media receiver
 * (media-receiver.ts) turns it into frames for the hub's stream. An offer that lists PCMA or PCMU
 * first (another server relaying a G.711 stream) is answered with that G.711, taken untranscoded. Keyframes are asked for with RTCP
 * PLI when the stream starts, when a frame was lost, and when the hub asks (a new sink).
 */
import type { Logger } from "../../log.ts";
import type { PeerEvents, PublishPeer } from "../signaling/media-engine.ts";
import { createAnsweringPeer } from "./answer.ts";
import { MediaReceiver, type ReceiverOptions } from "./media-receiver.ts";
import type { MediaNetworkConfig } from "./network-config.ts";
import { audioChoiceConfig, publisherAudioPreference } from "./offer-codecs.ts";

export interface PublisherOptions extends ReceiverOptions {
  readonly log?: Logger;
}

export async function createWebRtcPublisher(offerSdp: string, net: MediaNetworkConfig, events: PeerEvents, options: PublisherOptions = {}): Promise<PublishPeer> {
  let receiver: MediaReceiver | undefined;
  const peer = createAnsweringPeer(offerSdp, net, {
    connected: () => {
      events.connected();
      receiver?.connected();
    },
    failed: (info) => {
      receiver?.pause();
      events.failed(info);
    },
  }, publisherAudioPreference(offerSdp));
  const audio = peer.offer.audioCodec && audioChoiceConfig(peer.offer.audioCodec);
  receiver = new MediaReceiver(peer.pc, { ...options, ...(audio ? { audio } : {}) });
  const close = () => {
    receiver.close();
    peer.close();
  };
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
    attach: (stream) => receiver.attach(stream),
    requestKeyframe: () => receiver.requestKeyframe(),
    close,
  };
}
