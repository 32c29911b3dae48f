/**
 * One browser's signaling session (reference/wcs-protocol.md section 1): `connection` ->
 * `getUserData`, server `ping` / client `pong`, publishStream / unPublishStream, playStream /
 * stopStream, and the end of every stream of the session when its socket closes.
 *
 * The session owns no socket: the server hands it text frames (`receive`) and a transport to answer
 * on, and tells it when the socket closed (`close`). A bad frame is answered with a `fail` frame and
 * never ends the session or touches another one.
 *
 * Session states: new -> established -> closed (and new -> closed). Stream entries live from the
 * request until a final status (UNPUBLISHED, STOPPED, FAILED) or the end of the session.
 */
import type { AccessTokens } from "../../access-tokens.ts";
import { credentialsMatch } from "../../credentials.ts";
import { errorMessage, InvalidStateError, ParseError, TranspondError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { newSessionId } from "../../names.ts";
import type { Frame, TrackConfig } from "../../codecs/frame.ts";
import type { PlayableStream, PlaySink, PublishedStream, PublisherControl, SignalingHandler } from "./handler.ts";
import { systemClock, type Clock } from "../../clock.ts";
import { CONNECT_TIMEOUT_MS, MAX_STREAMS_PER_SESSION } from "./limits.ts";
import { AgentError, MEDIA_ERR, SIGNALING_ERR } from "../errors.ts";
import type { MediaEngine, PeerEvents, PlayPeer, PublishPeer } from "./media-engine.ts";
import {
  CLIENT_MESSAGE,
  decodeClientFrame,
  decodeConnection,
  decodeStreamRequest,
  type ConnectionRequest,
  encodeServerFrame,
  INFO,
  SERVER_MESSAGE,
  STREAM_STATUS,
  streamStatusEvent,
  type StreamRequest,
  type StreamStatus,
} from "./messages.ts";

/** RFC 6455 7.4.1 policy violation: the close code of a refused connection. */
const POLICY_VIOLATION = 1008;

export interface SessionTransport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface SessionOptions {
  readonly transport: SessionTransport;
  /** REST users: with any, `connection` must carry one's credentials in `custom` {login, password} or a token */
  readonly users?: ReadonlyMap<string, string>;
  /** tokens from /rest-api/auth/token, accepted instead of credentials as `custom` {token} */
  readonly tokens?: AccessTokens;
  /** the streams the session publishes into and plays from */
  readonly streams: SignalingHandler;
  readonly engine: MediaEngine;
  /** ms between server pings; 0 turns pings off (keep_alive.server_interval) */
  readonly keepAliveIntervalMs: number;
  /** unanswered pings after which the session is closed (keep_alive.probes) */
  readonly keepAliveProbes: number;
  /** mediaSessionIds in use on the whole server (shared by all sessions) */
  readonly mediaSessionIds: Set<string>;
  readonly clock?: Clock;
  readonly connectTimeoutMs?: number;
  readonly log?: Logger;
  readonly sessionId?: string;
  /**
   * WCS's direct-invocation REST hooks: asked before a session is established and before a stream
   * is published or played, with the hook's body; false refuses with "Restricted access".
   */
  readonly authorize?: (method: AuthorizedAction, body: Record<string, unknown>) => Promise<boolean>;
  /** Called when a stream turns PUBLISHING, with the request (its `rtmpUrl` asks for republishing, 1.6). */
  readonly onPublishing?: (stream: PublishedStream, request: StreamRequest) => void;
}

export type SessionState = "new" | "established" | "closed";

/** The REST hooks that can refuse (reference/wcs-protocol.md 2.6, direct invocations). */
export type AuthorizedAction = "connect" | "publishStream" | "playStream";

const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  new: ["established", "closed"],
  established: ["closed"],
  closed: [],
};

interface Entry {
  readonly kind: "publish" | "play";
  readonly request: StreamRequest;
  status: "PENDING" | "ACTIVE" | "DONE";
  publisher?: PublishPeer;
  player?: PlayPeer;
  published?: PublishedStream;
  played?: PlayableStream;
  detach?: () => void;
  cancelTimeout?: () => void;
}

export class SignalingSession {
  readonly id: string;
  private state: SessionState = "new";
  private readonly o: SessionOptions;
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly authToken = newSessionId();
  private missedPongs = 0;
  /** a `connection` is waiting for its hook */
  private connecting = false;
  private stopKeepAlive: (() => void) | undefined;

  constructor(options: SessionOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.id = options.sessionId ?? newSessionId();
    if (options.keepAliveIntervalMs > 0) this.stopKeepAlive = this.clock.every(options.keepAliveIntervalMs, () => this.keepAliveTick());
  }

  get currentState(): SessionState {
    return this.state;
  }

  /** mediaSessionIds of the session's live streams. */
  get streamIds(): string[] {
    return [...this.entries.keys()];
  }

  private transition(to: SessionState): void {
    const allowed = TRANSITIONS[this.state];
    if (!allowed.includes(to)) throw new InvalidStateError("signaling session", this.state, to, allowed);
    this.state = to;
    if (to === "closed") {
      this.stopKeepAlive?.();
      this.stopKeepAlive = undefined;
    }
  }

  /** One text frame from the socket. Never throws. */
  receive(text: string): void {
    if (this.state === "closed") return;
    this.missedPongs = 0;
    let message = "";
    try {
      const frame = decodeClientFrame(text);
      message = frame.message;
      this.dispatch(frame.message, frame.payload);
    } catch (err) {
      this.sendFail(message, err);
    }
  }

  /** A binary frame: not part of the protocol for a WebRTC session (1.1). */
  receiveBinary(): void {
    if (this.state === "closed") return;
    this.sendFail("binaryData", new AgentError(SIGNALING_ERR.BINARY, "binary frames are not accepted on a signaling socket"));
  }

  /** The socket closed (or the server shuts down): every stream of the session ends with `reason`. */
  close(reason: string = INFO.SESSION_DISCONNECT): void {
    if (this.state === "closed") return;
    this.transition("closed");
    for (const entry of [...this.entries.values()]) this.finish(entry, endStatus(entry.kind), reason);
    this.o.log?.debug("session closed", { session: this.id, reason });
  }

  private dispatch(message: string, payload: unknown): void {
    switch (message) {
      case CLIENT_MESSAGE.CONNECTION:
        return this.onConnection(payload);
      case CLIENT_MESSAGE.PONG:
        return;
      case CLIENT_MESSAGE.PING:
        return this.send(SERVER_MESSAGE.PONG, []);
      case CLIENT_MESSAGE.PUBLISH_STREAM:
        return void this.publish(decodeStreamRequest(message, payload, true));
      case CLIENT_MESSAGE.PLAY_STREAM:
        return void this.play(decodeStreamRequest(message, payload, true));
      case CLIENT_MESSAGE.UNPUBLISH_STREAM:
      case CLIENT_MESSAGE.STOP_STREAM:
        return this.stop(message, decodeStreamRequest(message, payload, false));
      case CLIENT_MESSAGE.AVAILABLE_STREAM: {
        const req = decodeStreamRequest(message, payload, false);
        const found = this.o.streams.find(req.name) !== undefined;
        return this.send(SERVER_MESSAGE.AVAILABLE_STREAM, [{ id: req.mediaSessionId, status: String(found), info: found ? "" : INFO.STREAM_NOT_FOUND }]);
      }
      default:
        throw new AgentError(SIGNALING_ERR.UNKNOWN_MESSAGE, `unknown message: ${message.slice(0, 64)}`);
    }
  }

  private onConnection(payload: unknown): void {
    const req = decodeConnection(payload);
    if (this.state !== "new" || this.connecting) throw new AgentError(SIGNALING_ERR.FIELD, "connection: the session is already established");
    const users = this.o.users ?? new Map<string, string>();
    if (users.size > 0 && !credentialsMatch(users, req.login ?? "", req.password ?? "") && !(req.token !== undefined && this.o.tokens?.valid(req.token))) {
      this.o.log?.warn("connection refused: bad or missing credentials", { session: this.id, login: req.login });
      return this.refuseConnection(`${INFO.RESTRICTED_ACCESS}: send credentials in connection custom {login, password} or a token as custom {token}`);
    }
    if (!this.o.authorize) return this.establish(req);
    this.connecting = true;
    const asked = this.o.authorize("connect", { ...req.fields, appKey: req.appKey, sessionId: this.id }).catch(() => false);
    void asked.then((allowed) => {
      this.connecting = false;
      if (this.currentState === "closed") return; // the socket closed while the hook answered
      if (allowed) return this.establish(req);
      this.o.log?.warn("connection refused by the connect REST hook", { session: this.id });
      this.refuseConnection(INFO.RESTRICTED_ACCESS);
    });
  }

  private establish(req: ConnectionRequest): void {
    this.transition("established");
    const userData = {
      ...req.fields,
      appKey: req.appKey,
      sessionId: this.id,
      authToken: this.authToken,
      mediaProviders: ["WebRTC"],
      status: "ESTABLISHED",
    };
    this.send(SERVER_MESSAGE.GET_USER_DATA, [userData]);
    this.o.log?.debug("session established", { session: this.id, appKey: req.appKey });
  }

  private refuseConnection(reason: string): void {
    this.o.transport.close(POLICY_VIOLATION, reason);
    this.close(INFO.RESTRICTED_ACCESS);
  }

  /** Asks the publishStream / playStream hook; false after failing the entry with "Restricted access". */
  private async streamAuthorized(entry: Entry): Promise<boolean> {
    const published = entry.kind === "publish";
    const body = { ...streamStatusEvent(entry.request, published, STREAM_STATUS.PENDING, ""), sessionId: this.id, mediaType: published ? "publish" : "play" };
    const allowed = this.o.authorize ? await this.o.authorize(published ? "publishStream" : "playStream", body).catch(() => false) : true;
    if (entry.status === "DONE") return false; // stopped or disconnected while the hook answered
    if (allowed) return true;
    this.o.log?.warn(`${published ? "publish" : "play"} refused by the REST hook`, { session: this.id, stream: entry.request.name });
    this.finish(entry, STREAM_STATUS.FAILED, INFO.RESTRICTED_ACCESS);
    return false;
  }

  /** Checks common to publish and play; returns false after answering the failure. */
  private admit(req: StreamRequest, published: boolean): boolean {
    if (this.state !== "established") {
      this.sendStatus(req, published, STREAM_STATUS.FAILED, INFO.SESSION_NOT_READY);
      return false;
    }
    if (req.mediaSessionId === "") {
      this.send(SERVER_MESSAGE.FAIL, [{ apiMethod: published ? CLIENT_MESSAGE.PUBLISH_STREAM : CLIENT_MESSAGE.PLAY_STREAM, info: INFO.MEDIA_SESSION_ID_NULL }]);
      return false;
    }
    if (this.o.mediaSessionIds.has(req.mediaSessionId)) {
      // Not routed to the stream: that id belongs to a live stream which must not be failed.
      this.send(SERVER_MESSAGE.FAIL, [{ apiMethod: published ? CLIENT_MESSAGE.PUBLISH_STREAM : CLIENT_MESSAGE.PLAY_STREAM, info: INFO.MEDIA_SESSION_ID_IN_USE }]);
      return false;
    }
    if (this.entries.size >= MAX_STREAMS_PER_SESSION) {
      this.sendStatus(req, published, STREAM_STATUS.FAILED, INFO.ERROR);
      return false;
    }
    return true;
  }

  private register(kind: Entry["kind"], req: StreamRequest): Entry {
    const entry: Entry = { kind, request: req, status: "PENDING" };
    this.entries.set(req.mediaSessionId, entry);
    this.o.mediaSessionIds.add(req.mediaSessionId);
    return entry;
  }

  private peerEvents(entry: Entry, onConnected: () => void): PeerEvents {
    let done = false;
    return {
      connected: () => {
        if (done || entry.status !== "PENDING") return;
        done = true;
        entry.cancelTimeout?.();
        onConnected();
      },
      failed: (info) => {
        if (done && entry.status === "DONE") return;
        done = true;
        this.finish(entry, STREAM_STATUS.FAILED, info);
      },
    };
  }

  private async publish(req: StreamRequest): Promise<void> {
    if (!this.admit(req, true)) return;
    if (this.o.streams.find(req.name) !== undefined) return this.sendStatus(req, true, STREAM_STATUS.FAILED, INFO.NAME_IN_USE);
    const entry = this.register("publish", req);
    if (this.o.authorize && !(await this.streamAuthorized(entry))) return;
    const events = this.peerEvents(entry, () => {
      entry.status = "ACTIVE";
      this.sendStatus(req, true, STREAM_STATUS.PUBLISHING, "");
      if (entry.published) this.o.onPublishing?.(entry.published, req);
    });
    let peer: PublishPeer;
    try {
      peer = await this.o.engine.createPublisher(req.sdp ?? "", events);
    } catch (err) {
      return this.finish(entry, STREAM_STATUS.FAILED, infoOf(err));
    }
    if (entry.status === "DONE") return peer.close(); // stopped or disconnected while answering
    entry.publisher = peer;
    const publisher: PublisherControl = {
      requestKeyframe: () => peer.requestKeyframe(),
      stop: (reason) => this.finish(entry, STREAM_STATUS.UNPUBLISHED, reason),
    };
    try {
      entry.published = this.o.streams.publish(req.name, req.mediaSessionId, publisher);
    } catch (err) {
      return this.finish(entry, STREAM_STATUS.FAILED, infoOf(err));
    }
    if (!entry.published) return this.finish(entry, STREAM_STATUS.FAILED, INFO.NAME_IN_USE);
    peer.attach(entry.published);
    this.send(SERVER_MESSAGE.SET_REMOTE_SDP, [req.mediaSessionId, peer.answerSdp]);
    this.armTimeout(entry);
    this.o.log?.info("publishing", { session: this.id, stream: req.name, mediaSessionId: req.mediaSessionId });
  }

  private async play(req: StreamRequest): Promise<void> {
    if (!this.admit(req, false)) return;
    const found = this.o.streams.resolve ? await this.o.streams.resolve(req.name) : this.o.streams.find(req.name);
    if (found === undefined) return this.sendStatus(req, false, STREAM_STATUS.FAILED, INFO.STREAM_NOT_FOUND);
    const entry = this.register("play", req);
    if (this.o.authorize && !(await this.streamAuthorized(entry))) return;
    const stream = this.o.streams.find(req.name);
    if (stream === undefined) return this.finish(entry, STREAM_STATUS.FAILED, INFO.STREAM_NOT_FOUND);
    entry.played = stream;
    const events = this.peerEvents(entry, () => this.startPlaying(entry));
    let peer: PlayPeer;
    try {
      peer = await this.o.engine.createPlayer(req.sdp ?? "", events, stream.source);
    } catch (err) {
      return this.finish(entry, STREAM_STATUS.FAILED, infoOf(err));
    }
    if (entry.status === "DONE") return peer.close();
    entry.player = peer;
    peer.onKeyframeRequest(() => entry.played?.requestKeyframe());
    this.send(SERVER_MESSAGE.SET_REMOTE_SDP, [req.mediaSessionId, peer.answerSdp]);
    this.armTimeout(entry);
  }

  /** The player's transport is up: attach it to the stream (the hub asks the source for a keyframe). */
  private startPlaying(entry: Entry): void {
    const stream = entry.played;
    const player = entry.player;
    if (!stream || !player || !stream.live) {
      return this.finish(entry, STREAM_STATUS.FAILED, INFO.STREAM_NOT_FOUND);
    }
    entry.status = "ACTIVE";
    const sink: PlaySink = {
      config: (c: TrackConfig) => player.sink.config(c),
      frame: (f: Frame) => player.sink.frame(f),
      end: (reason) => this.finish(entry, STREAM_STATUS.STOPPED, reason),
    };
    this.sendStatus(entry.request, false, STREAM_STATUS.PLAYING, "");
    entry.detach = stream.addSink(sink);
  }

  private armTimeout(entry: Entry): void {
    if (entry.status !== "PENDING") return;
    entry.cancelTimeout = this.clock.after(this.o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, () => {
      if (entry.status === "PENDING") this.finish(entry, STREAM_STATUS.FAILED, INFO.ICE_TIMEOUT);
    });
  }

  private stop(message: string, req: StreamRequest): void {
    const entry = this.entries.get(req.mediaSessionId);
    const kind = message === CLIENT_MESSAGE.UNPUBLISH_STREAM ? "publish" : "play";
    if (!entry || entry.kind !== kind) {
      this.send(SERVER_MESSAGE.FAIL, [{ apiMethod: message, id: req.mediaSessionId, info: INFO.STREAM_NOT_FOUND }]);
      return;
    }
    this.finish(entry, endStatus(kind), kind === "publish" ? INFO.PUBLISHER_STOP : INFO.USER);
  }

  /**
   * Ends a stream entry once: closes its peer, unpublishes or detaches, and reports `status` (to the
   * log only when the session is gone). `reason` goes to the hub, so players and hooks see why it ended.
   */
  private finish(entry: Entry, status: StreamStatus, reason: string): void {
    if (entry.status === "DONE") return;
    entry.status = "DONE";
    entry.cancelTimeout?.();
    this.entries.delete(entry.request.mediaSessionId);
    this.o.mediaSessionIds.delete(entry.request.mediaSessionId);
    if (entry.kind === "publish") {
      entry.publisher?.close();
      entry.published?.end(reason);
    } else {
      entry.detach?.();
      entry.player?.close();
    }
    if (this.state !== "closed") {
      // A normal stop by the client itself carries no reason text.
      const info = (status === STREAM_STATUS.UNPUBLISHED && reason === INFO.PUBLISHER_STOP) || (status === STREAM_STATUS.STOPPED && reason === INFO.USER) ? "" : reason;
      this.sendStatus(entry.request, entry.kind === "publish", status, info);
    }
    this.o.log?.info(entry.kind === "publish" ? "publish ended" : "play ended", { session: this.id, stream: entry.request.name, status, reason });
  }

  private keepAliveTick(): void {
    if (this.state === "closed") return;
    if (this.missedPongs >= this.o.keepAliveProbes) {
      this.o.log?.info("no pong: closing signaling session", { session: this.id, probes: this.o.keepAliveProbes });
      this.o.transport.close(1001, INFO.KEEP_ALIVE);
      this.close(INFO.KEEP_ALIVE);
      return;
    }
    this.missedPongs++;
    this.send(SERVER_MESSAGE.PING, []);
  }

  private sendStatus(req: StreamRequest, published: boolean, status: StreamStatus, info: string): void {
    this.send(SERVER_MESSAGE.NOTIFY_STREAM_STATUS_EVENT, [streamStatusEvent(req, published, status, info)]);
  }

  private sendFail(apiMethod: string, err: unknown): void {
    const code = err instanceof TranspondError ? err.code : SIGNALING_ERR.INTERNAL;
    if (!(err instanceof ParseError) && !(err instanceof TranspondError)) this.o.log?.error("signaling bug", { session: this.id, error: errorMessage(err) });
    else this.o.log?.debug("bad signaling frame", { session: this.id, code, error: errorMessage(err) });
    this.send(SERVER_MESSAGE.FAIL, [{ apiMethod, code, info: errorMessage(err) }]);
  }

  private send(message: string, data: readonly unknown[]): void {
    if (this.state === "closed") return;
    try {
      this.o.transport.send(encodeServerFrame(message, data));
    } catch (err) {
      this.o.log?.debug("send failed", { session: this.id, error: errorMessage(err) });
    }
  }
}

/** The WCS info text for an engine error. */
function infoOf(err: unknown): string {
  if (err instanceof TranspondError) {
    if (err.code === MEDIA_ERR.NO_COMMON_CODECS) return INFO.NO_COMMON_CODECS;
  }
  return INFO.ERROR;
}

/** How a stream ends when its client stops it or goes away: a publish UNPUBLISHED, a play STOPPED. */
function endStatus(kind: Entry["kind"]): StreamStatus {
  return kind === "publish" ? STREAM_STATUS.UNPUBLISHED : STREAM_STATUS.STOPPED;
}
