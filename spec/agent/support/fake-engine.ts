/** A MediaEngine without media: peers answer at once and connect or fail when the test says. */
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import type { FrameTarget } from "../../../src/agent/webrtc/media-receiver.ts";
import { AgentError, MEDIA_ERR } from "../../../src/agent/errors.ts";
import type { MediaEngine, PeerEvents, PlayPeer, PlaySource, PublishPeer } from "../../../src/agent/signaling/media-engine.ts";

export interface FakePeer {
  readonly kind: "publish" | "play";
  readonly offer: string;
  readonly events: PeerEvents;
  closed: boolean;
  keyframeRequests: number;
  stream?: FrameTarget;
  received: Frame[];
  configs: TrackConfig[];
  requestKeyframeFromPlayer?: () => void;
  /** what the session told the engine about the stream a player plays */
  playSource?: PlaySource;
}

export class FakeEngine implements MediaEngine {
  readonly peers: FakePeer[] = [];

  private check(offer: string): void {
    if (!offer.startsWith("v=0")) throw new AgentError(MEDIA_ERR.BAD_SDP, "not SDP");
    if (!/H264/.test(offer)) throw new AgentError(MEDIA_ERR.NO_COMMON_CODECS, "No common codecs: the offer has no H.264");
  }

  async createPublisher(offer: string, events: PeerEvents): Promise<PublishPeer> {
    this.check(offer);
    const p: FakePeer = { kind: "publish", offer, events, closed: false, keyframeRequests: 0, received: [], configs: [] };
    this.peers.push(p);
    return {
      answerSdp: "v=0\r\nanswer-publish\r\n",
      attach: (s) => void (p.stream = s),
      requestKeyframe: () => void p.keyframeRequests++,
      close: () => void (p.closed = true),
    };
  }

  async createPlayer(offer: string, events: PeerEvents, source?: PlaySource): Promise<PlayPeer> {
    this.check(offer);
    const p: FakePeer = { kind: "play", offer, events, closed: false, keyframeRequests: 0, received: [], configs: [], ...(source ? { playSource: source } : {}) };
    this.peers.push(p);
    return {
      answerSdp: "v=0\r\nanswer-play\r\n",
      sink: { config: (c) => void p.configs.push(c), frame: (f) => void p.received.push(f), end: () => {} },
      onKeyframeRequest: (h) => void (p.requestKeyframeFromPlayer = h),
      close: () => void (p.closed = true),
    };
  }
}
