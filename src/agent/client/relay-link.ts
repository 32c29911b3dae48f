/**
 * The WebRTC forms of a relay over the agent client: one attempt = one WebSocket session to the
 * other server and one werift peer that makes the offer.
 *
 *   push  publishStream with a send-only offer (Opus; a G.711 source's PCMA or PCMU first, so it
 *         passes untranscoded when the other side answers it); started on PUBLISHING; the local
 *         stream's media goes out through the MediaSender in the answer's audio codec; PLI from the
 *         other side asks the local source for a keyframe; stop sends unPublishStream
 *   pull  playStream with a receive-only offer (Opus, PCMA, PCMU: a G.711 stream comes untranscoded);
 *         started on PLAYING; the media receiver's frames, in the answer's audio codec, go to the relay; STOPPED / UNPUBLISHED from the other side is the remote stream ending;
 *         stop sends stopStream
 *
 * FAILED, `fail`, the socket closing or ICE failing end the attempt: before the start as a
 * rejected start(), after it through `delegate.lost`.
 */
import { randomUUID } from "node:crypto";
import { errorMessage, TranspondError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { AudioConfig, Frame, TrackConfig } from "../../codecs/frame.ts";
import type { TranscoderMaker } from "../../audio/transcoders.ts";
import { CLIENT_MESSAGE, STREAM_STATUS } from "../signaling/messages.ts";
import { MediaReceiver } from "../webrtc/media-receiver.ts";
import { MediaSender, type MediaKind } from "../webrtc/media-sender.ts";
import { answeredAudio, createOfferingPeer, pushAudioOffer, type OfferingPeer } from "../webrtc/offer.ts";
import { firstAudioChoice } from "../webrtc/offer-codecs.ts";
import type { MediaNetworkConfig } from "../webrtc/network-config.ts";
import { AgentConnection, type StreamFrame } from "./connection.ts";
import { AGENT_ERR, AgentClientError } from "../errors.ts";
import { playStreamPayload, publishStreamPayload, stopPayload, type AgentStream } from "./messages.ts";

/**
 * What a relay asks of the agent (core/relay/link.ts has the same shapes: app.ts hands this link to
 * the relay job, and the agent imports nothing of core for it).
 */
export interface AgentRelaySpec {
  readonly direction: "push" | "pull";
  /** ws:// or wss:// */
  readonly uri: string;
  readonly remoteStreamName: string;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

export interface AgentLinkDelegate {
  config(config: TrackConfig): void;
  frame(frame: Frame): void;
  keyframeRequested(): void;
  lost(reason: string, retry: boolean): void;
}

export interface AgentLinkOptions {
  readonly net: MediaNetworkConfig;
  readonly verifyTls: boolean;
  readonly caFile?: string;
  /** Opus bitrate when a pushed stream's audio is transcoded (AAC, G.711 sources) */
  readonly opusBitrate: number;
  /** push: where a G.711 or AAC source's audio is transcoded to Opus (the codec workers; default: this thread) */
  readonly transcoder?: TranscoderMaker;
  /** ms for the socket, the session and the stream to start */
  readonly timeoutMs?: number;
  /** push: the local picture size, for the `constraints` of publishStream */
  readonly videoSize?: () => { width: number; height: number };
  /** push: the local stream's audio config when the offer is made (a G.711 one is offered as it is) */
  readonly sourceAudio?: () => AudioConfig | undefined;
  readonly log: Logger;
}

/** Info texts that mean the other side will say the same next time. */
const FINAL_INFOS = new Set(["No common codecs", "Restricted access"]);

export function agentRelayLink(spec: AgentRelaySpec, delegate: AgentLinkDelegate, options: AgentLinkOptions): AgentLink {
  return new AgentLink(spec, delegate, options);
}

export class AgentLink {
  readonly sink?: MediaSender["sink"];
  private readonly spec: AgentRelaySpec;
  private readonly delegate: AgentLinkDelegate;
  private readonly options: AgentLinkOptions;
  private readonly stream: AgentStream;
  private readonly sender?: MediaSender;
  private receiver?: MediaReceiver;
  private conn?: AgentConnection;
  private peer?: OfferingPeer;
  private started = false;
  private done = false;
  private remoteStatus = "PENDING";
  private settle?: (err?: Error) => void;

  constructor(spec: AgentRelaySpec, delegate: AgentLinkDelegate, options: AgentLinkOptions) {
    this.spec = spec;
    this.delegate = delegate;
    this.options = options;
    this.stream = { mediaSessionId: randomUUID(), name: spec.remoteStreamName, hasVideo: spec.hasVideo, hasAudio: spec.hasAudio };
    if (spec.direction === "push") {
      this.sender = new MediaSender({ audioCodec: "opus", opusBitrate: options.opusBitrate, log: options.log, ...(options.transcoder ? { transcoder: options.transcoder } : {}) });
      this.sink = this.sender.sink;
    }
  }

  get remoteMediaSessionId(): string | null {
    return this.started ? this.stream.mediaSessionId : null;
  }

  async start(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 15000;
    try {
      this.conn = await AgentConnection.open({ url: this.spec.uri, verifyTls: this.options.verifyTls, caFile: this.options.caFile, timeoutMs, log: this.options.log });
    } catch (err) {
      if (err instanceof AgentClientError) throw err;
      throw new AgentClientError(AGENT_ERR.CONNECT, errorMessage(err), true, { cause: err });
    }
    if (this.done) return this.conn.close();
    this.conn.onClose((reason) => this.end(reason, true));
    const result = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle?.(new AgentClientError(AGENT_ERR.TIMEOUT, `the stream did not start within ${timeoutMs} ms`, true)), timeoutMs);
      this.settle = (err) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (err) reject(err);
        else resolve();
      };
    });
    try {
      await this.request();
    } catch (err) {
      this.settle?.(err instanceof TranspondError ? new AgentClientError(err.code, err.message, true, { cause: err }) : new AgentClientError(AGENT_ERR.PEER, errorMessage(err), true, { cause: err }));
    }
    try {
      await result;
    } catch (err) {
      this.close();
      throw err;
    }
    this.started = true;
  }

  requestKeyframe(): void {
    this.receiver?.requestKeyframe();
  }

  stop(): void {
    if (this.done) return;
    this.done = true;
    const push = this.spec.direction === "push";
    this.conn?.send(push ? CLIENT_MESSAGE.UNPUBLISH_STREAM : CLIENT_MESSAGE.STOP_STREAM, stopPayload(this.stream, push, this.remoteStatus));
    this.close();
  }

  /** Makes the peer and the offer and sends publishStream or playStream. */
  private async request(): Promise<void> {
    const kinds: MediaKind[] = [...(this.spec.hasAudio ? ["audio" as const] : []), ...(this.spec.hasVideo ? ["video" as const] : [])];
    const events = { connected: () => this.receiver?.connected(), failed: (info: string) => this.end(info, true) };
    const sendAudio = this.sender && pushAudioOffer(this.options.sourceAudio?.());
    const peer = createOfferingPeer({ net: this.options.net, kinds, sender: this.sender, ...(sendAudio ? { sendAudio } : {}), onKeyframeRequest: () => this.delegate.keyframeRequested(), events });
    this.peer = peer;
    const sdp = await peer.offer();
    if (this.done) return;
    this.conn!.onStream(this.stream.mediaSessionId, (frame) => void this.onFrame(frame));
    if (this.sender) {
      const tracks = peer.pc.getTransceivers().map((t) => ({ kind: t.kind === "video" ? ("video" as const) : ("audio" as const), trackId: t.sender.track?.id ?? t.mid ?? "" }));
      this.conn!.send(CLIENT_MESSAGE.PUBLISH_STREAM, publishStreamPayload(this.stream, sdp, this.options.videoSize?.() ?? { width: 0, height: 0 }, tracks));
    } else this.conn!.send(CLIENT_MESSAGE.PLAY_STREAM, playStreamPayload(this.stream, sdp));
  }

  private async onFrame(frame: StreamFrame): Promise<void> {
    if (this.done) return;
    if (frame.type === "setRemoteSDP") {
      try {
        if (!this.sender && this.peer) this.receive(this.peer, answeredAudio(frame.sdp));
        this.sender?.setAudioCodec(firstAudioChoice(frame.sdp) ?? "opus");
        await this.peer?.accept(frame.sdp);
      } catch (err) {
        this.end(errorMessage(err), true);
      }
      return;
    }
    if (frame.type === "fail") return this.end(`the server refused: ${frame.info}`, !FINAL_INFOS.has(frame.info));
    this.remoteStatus = frame.status;
    const running = this.spec.direction === "push" ? STREAM_STATUS.PUBLISHING : STREAM_STATUS.PLAYING;
    if (frame.status === running) {
      this.started = true;
      return this.settle?.();
    }
    if (frame.status === STREAM_STATUS.FAILED) return this.end(`the server answered FAILED: ${frame.info || "no reason given"}`, !FINAL_INFOS.has(frame.info));
    if (frame.status === STREAM_STATUS.STOPPED || frame.status === STREAM_STATUS.UNPUBLISHED) {
      this.end(`the remote stream ended (${frame.info || frame.status})`, true);
    }
  }

  /** pull: receives in the codecs of the answer (set before it is applied: werift reports the tracks then). */
  private receive(peer: OfferingPeer, audio: AudioConfig | undefined): void {
    this.receiver = new MediaReceiver(peer.pc, { log: this.options.log, ...(audio ? { audio } : {}) });
    this.receiver.attach({ setConfig: (c) => !this.done && this.delegate.config(c), pushFrame: (f) => !this.done && this.delegate.frame(f) });
  }

  /** The attempt is over: a start in progress fails, a started link is reported lost. */
  private end(reason: string, retry: boolean): void {
    if (this.done) return;
    if (this.settle) return this.settle(new AgentClientError(AGENT_ERR.REFUSED, reason, retry));
    if (!this.started) return;
    this.close();
    this.delegate.lost(reason, retry);
  }

  private close(): void {
    this.done = true;
    this.sender?.close();
    this.receiver?.close();
    this.peer?.close();
    this.conn?.close();
  }
}
