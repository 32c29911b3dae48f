/**
 * WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep) sessions: one werift peer per HTTP POST, with
 * the same seams as a WCS WebSocket session (signaling/handler.ts for streams, media-engine.ts for
 * peers), so a stream published by WHIP is a stream like any other and WHEP plays any stream.
 * The HTTP side (status codes, headers, auth) is src/rest/whip-routes.ts; this file knows no HTTP.
 *
 * A session ends on DELETE, when its peer fails or closes (the browser went away), when the
 * published stream is terminated from outside or the played one ends, or when ICE does not connect
 * within the connect timeout.
 */
import type { Logger } from "../../log.ts";
import { newSessionId } from "../../names.ts";
import { AgentError, WHIP_ERR } from "../errors.ts";
import type { PlayableStream, PublishedStream, SignalingHandler } from "../signaling/handler.ts";
import { CONNECT_TIMEOUT_MS } from "../signaling/limits.ts";
import type { MediaEngine, PeerEvents, PlayPeer, PublishPeer } from "../signaling/media-engine.ts";

/** Sessions open at once over WHIP and WHEP together (each holds a peer connection and UDP ports). */
export const MAX_SESSIONS = 1000;

export type WhipKind = "whip" | "whep";

export interface WhipSessionInfo {
  readonly id: string;
  readonly kind: WhipKind;
  readonly streamName: string;
  /** ICE and DTLS are up */
  readonly connected: boolean;
}

export interface WhipSessionsOptions {
  readonly engine: MediaEngine;
  readonly streams: SignalingHandler;
  readonly log?: Logger;
  readonly connectTimeoutMs?: number;
  /** the publishStream / playStream REST hooks (as for WebSocket and RTMP clients): false refuses */
  readonly authorize?: (action: "publishStream" | "playStream", body: Record<string, unknown>) => Promise<boolean>;
}

interface Session {
  readonly id: string;
  readonly kind: WhipKind;
  readonly streamName: string;
  connected: boolean;
  ended: boolean;
  timer?: ReturnType<typeof setTimeout>;
  peer?: PublishPeer | PlayPeer;
  player?: PlayPeer;
  published?: PublishedStream;
  detach?: () => void;
}

export class WhipSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly o: WhipSessionsOptions;

  constructor(options: WhipSessionsOptions) {
    this.o = options;
  }

  /** WHIP: publishes `streamName` from the offer's peer. Throws AgentError (WHIP_ERR, MEDIA_ERR). */
  async publish(streamName: string, offerSdp: string): Promise<{ readonly id: string; readonly answerSdp: string }> {
    this.admit();
    if (this.o.streams.find(streamName)) throw new AgentError(WHIP_ERR.NAME_IN_USE, `Stream name is already in use: ${streamName}`);
    const id = newSessionId();
    await this.checkHook("whip", streamName, id);
    const session = this.open("whip", streamName, id);
    try {
      const peer = await this.o.engine.createPublisher(offerSdp, this.peerEvents(session));
      session.peer = peer;
      if (session.ended) throw new AgentError(WHIP_ERR.ENDED, "the session ended while the offer was answered");
      const published = this.o.streams.publish(streamName, session.id, {
        requestKeyframe: () => peer.requestKeyframe(),
        stop: (reason) => this.end(session, reason),
      });
      if (!published) throw new AgentError(WHIP_ERR.NAME_IN_USE, `Stream name is already in use: ${streamName}`);
      session.published = published;
      peer.attach(published);
      this.o.log?.info("WHIP publishing", { session: session.id, stream: streamName });
      return { id: session.id, answerSdp: peer.answerSdp };
    } catch (err) {
      this.end(session, "offer refused");
      throw err;
    }
  }

  /** WHEP: plays `streamName` to the offer's peer once it connects. */
  async play(streamName: string, offerSdp: string): Promise<{ readonly id: string; readonly answerSdp: string }> {
    this.admit();
    const stream = this.o.streams.find(streamName);
    if (!stream || !stream.live) throw new AgentError(WHIP_ERR.STREAM_NOT_FOUND, `Stream is not published: ${streamName}`);
    const id = newSessionId();
    await this.checkHook("whep", streamName, id);
    if (!stream.live) throw new AgentError(WHIP_ERR.STREAM_NOT_FOUND, `Stream is not published: ${streamName}`);
    const session = this.open("whep", streamName, id);
    try {
      const peer = await this.o.engine.createPlayer(offerSdp, this.peerEvents(session, () => this.startPlaying(session, stream)), stream.source);
      session.peer = session.player = peer;
      if (session.ended) throw new AgentError(WHIP_ERR.ENDED, "the session ended while the offer was answered");
      peer.onKeyframeRequest(() => stream.requestKeyframe());
      this.o.log?.info("WHEP playing", { session: session.id, stream: streamName });
      return { id: session.id, answerSdp: peer.answerSdp };
    } catch (err) {
      this.end(session, "offer refused");
      throw err;
    }
  }

  /** Ends a session (HTTP DELETE); false when there is none of that id and kind. */
  delete(kind: WhipKind, id: string): boolean {
    const session = this.sessions.get(id);
    if (!session || session.kind !== kind) return false;
    this.end(session, kind === "whip" ? "WHIP session deleted" : "WHEP session deleted");
    return true;
  }

  get(kind: WhipKind, id: string): WhipSessionInfo | undefined {
    const s = this.sessions.get(id);
    return s && s.kind === kind ? { id: s.id, kind: s.kind, streamName: s.streamName, connected: s.connected } : undefined;
  }

  all(): WhipSessionInfo[] {
    return [...this.sessions.values()].map((s) => ({ id: s.id, kind: s.kind, streamName: s.streamName, connected: s.connected }));
  }

  close(): void {
    for (const session of [...this.sessions.values()]) this.end(session, "Server shutdown");
  }

  private admit(): void {
    if (this.sessions.size >= MAX_SESSIONS) throw new AgentError(WHIP_ERR.TOO_MANY, `more than ${MAX_SESSIONS} WHIP/WHEP sessions`);
  }

  /** Asks the publishStream / playStream hook, with the fields WCS's hooks carry; throws when it refuses. */
  private async checkHook(kind: WhipKind, streamName: string, id: string): Promise<void> {
    if (!this.o.authorize) return;
    const published = kind === "whip";
    const body = { name: streamName, mediaSessionId: id, published, hasVideo: true, hasAudio: true, status: "PENDING", info: "", mediaProvider: "WebRTC", mediaType: published ? "publish" : "play", sessionId: `${kind}-${id}`, custom: {} };
    if (await this.o.authorize(published ? "publishStream" : "playStream", body).catch(() => false)) return;
    this.o.log?.warn(`${kind.toUpperCase()} refused by the REST hook`, { stream: streamName });
    throw new AgentError(WHIP_ERR.REFUSED, "Restricted access: refused by the REST hook");
  }

  private open(kind: WhipKind, streamName: string, id: string): Session {
    const session: Session = { id, kind, streamName, connected: false, ended: false };
    this.sessions.set(session.id, session);
    session.timer = setTimeout(() => {
      if (!session.connected) this.end(session, "ICE did not connect in time");
    }, this.o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    return session;
  }

  private peerEvents(session: Session, onConnected?: () => void): PeerEvents {
    return {
      connected: () => {
        if (session.ended) return;
        session.connected = true;
        clearTimeout(session.timer);
        onConnected?.();
      },
      failed: (info) => this.end(session, info),
    };
  }

  private startPlaying(session: Session, stream: PlayableStream): void {
    const peer = session.player;
    if (!peer || !stream.live) return this.end(session, "Stream is not published");
    session.detach = stream.addSink({
      config: (c) => peer.sink.config(c),
      frame: (f) => peer.sink.frame(f),
      end: (reason) => this.end(session, reason),
    });
  }

  /** Ends a session once: closes its peer and unpublishes or detaches. */
  private end(session: Session, reason: string): void {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.timer);
    this.sessions.delete(session.id);
    session.detach?.();
    session.peer?.close();
    session.published?.end(reason);
    this.o.log?.info(`${session.kind.toUpperCase()} session ended`, { session: session.id, stream: session.streamName, reason });
  }
}
