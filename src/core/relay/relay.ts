/**
 * A relay moves one stream between this server and another (WCS `/pull/*`, DESIGN "Relaying
 * between servers"). It is a job like a transponder: CONNECTING -> ACTIVE -> RECONNECTING (capped
 * exponential backoff with jitter) -> CONNECTING ..., FAILED when the other side refuses for good,
 * STOPPED at the end. Each attempt is one RelayLink.
 *
 *   push  the local stream's media goes to the link from a keyframe on, configs first; the local
 *         stream ending ends the relay
 *   pull  the link's media is published here as `localStreamName` while the link is up (configs and
 *         frames that came while it started go first); the remote stream ending (or the link
 *         dropping) unpublishes it here and the relay tries again
 */
import type { AudioConfig, Frame, H264Config, TrackConfig } from "../../codecs/frame.ts";
import { errorMessage, InvalidStateError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { reconnectDelay } from "../../rtmp/client/backoff.ts";
import { StreamNameInUseError, type StreamHub } from "../stream/hub.ts";
import type { MediaSink } from "../stream/media-sink.ts";
import type { Stream } from "../stream/stream.ts";
import { retryOf, type LinkDelegate, type RelayLink, type RelayLinkFactory, type RelaySpec } from "./link.ts";

/** Frames held while a pull link starts: a few seconds of media, its first keyframe among them. */
const MAX_EARLY_FRAMES = 300;

export type RelayState = "CONNECTING" | "ACTIVE" | "RECONNECTING" | "FAILED" | "STOPPED";

const MOVES: Record<RelayState, readonly RelayState[]> = {
  CONNECTING: ["ACTIVE", "RECONNECTING", "FAILED", "STOPPED"],
  ACTIVE: ["RECONNECTING", "FAILED", "STOPPED"],
  RECONNECTING: ["CONNECTING", "FAILED", "STOPPED"],
  FAILED: ["STOPPED"],
  STOPPED: [],
};

/**
 * The WCS `status` of a relay object. The docs show NEW for a relay just made and PROCESSED_REMOTE
 * for one that runs; the SDK's demo also knows PENDING, FAILED and STOPPED.
 */
export function wcsStatus(state: RelayState, everActive: boolean): string {
  switch (state) {
    case "CONNECTING":
      return everActive ? "PENDING" : "NEW";
    case "ACTIVE":
      return "PROCESSED_REMOTE";
    case "RECONNECTING":
      return "PENDING";
    default:
      return state;
  }
}

export interface RelayTiming {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export interface RelayOptions {
  readonly id: string;
  readonly spec: RelaySpec;
  /** uri as shown to users: no password */
  readonly displayUri: string;
  readonly hub: StreamHub;
  readonly connect: RelayLinkFactory;
  readonly timing: RelayTiming;
  readonly log: Logger;
  /** pull: attach a recording to the local stream each time it is published */
  readonly record?: (stream: Stream) => void;
  readonly random?: () => number;
  readonly onState?: (relay: Relay, from: RelayState, to: RelayState) => void;
}

export class Relay {
  readonly options: RelayOptions;
  state: RelayState = "CONNECTING";
  lastError = "";
  reconnects = 0;
  /** media payload bytes moved (NAL units, audio frames), over every attempt */
  bytes = 0;
  /** Date.now() of the last move to ACTIVE; undefined when not ACTIVE */
  activeSince?: number;
  private everActive = false;
  private link?: RelayLink;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  /** push: the local stream and our sink on it */
  private detachLocal: () => void = () => {};
  private pushing?: PushForwarder;
  /** pull: the stream published here while the link is up */
  private pulled?: Stream;
  private pulledConfigs = new Map<string, TrackConfig>();
  /** pull: frames of the link that came before it started (an RTMP link starts with its first media) */
  private earlyFrames: Frame[] = [];

  constructor(options: RelayOptions) {
    this.options = options;
  }

  get spec(): RelaySpec {
    return this.options.spec;
  }
  get status(): string {
    return wcsStatus(this.state, this.everActive);
  }
  get remoteMediaSessionId(): string | null {
    return this.link?.remoteMediaSessionId ?? null;
  }

  /** push: `local` is the stream to send; pull: none. */
  start(local?: Stream): void {
    if (local) {
      const forwarder = new PushForwarder(() => local.requestKeyframe(), (n) => void (this.bytes += n));
      this.pushing = forwarder;
      this.detachLocal = local.addSink({
        config: (c) => forwarder.config(c),
        frame: (f) => forwarder.frame(f),
        end: (reason) => this.stop(`Local stream ended: ${reason}`),
      }, "relay");
    }
    void this.connect();
  }

  stop(reason = "Stopped"): void {
    if (this.state === "STOPPED") return;
    if (this.state !== "FAILED") this.lastError = reason;
    clearTimeout(this.retryTimer);
    this.detachLocal();
    this.dropLink(reason);
    this.transition("STOPPED");
  }

  private transition(to: RelayState): void {
    const from = this.state;
    if (!MOVES[from].includes(to)) throw new InvalidStateError("relay", from, to, MOVES[from]);
    this.state = to;
    this.activeSince = to === "ACTIVE" ? Date.now() : undefined;
    if (to === "ACTIVE") this.everActive = true;
    this.options.log.info(`relay ${from} -> ${to}`, { id: this.options.id, uri: this.options.displayUri, ...(this.lastError && to !== "ACTIVE" ? { reason: this.lastError } : {}) });
    this.options.onState?.(this, from, to);
  }

  private async connect(): Promise<void> {
    const delegate: LinkDelegate = {
      config: (c) => this.link === link && this.pulledConfig(c),
      frame: (f) => this.link === link && this.pullFrame(f),
      keyframeRequested: () => this.link === link && this.pushing?.requestKeyframe(),
      lost: (reason, retry) => this.lost(link, reason, retry),
    };
    let link: RelayLink;
    try {
      link = this.options.connect(this.spec, delegate);
    } catch (err) {
      return this.retryLater(errorMessage(err), false);
    }
    this.link = link;
    try {
      await link.start();
    } catch (err) {
      return this.lost(link, errorMessage(err), retryOf(err));
    }
    if (this.link !== link || this.state === "STOPPED") return link.stop();
    if (this.spec.direction === "pull" && !this.publishPulled(link)) return;
    this.attempt = 0;
    this.lastError = "";
    this.transition("ACTIVE");
    if (this.pushing && link.sink) this.pushing.attach(link.sink);
  }

  /** Publishes the pulled stream here; false (and a retry) when the name is taken. */
  private publishPulled(link: RelayLink): boolean {
    const app = this.spec.rtmpApp !== undefined ? { rtmpApp: this.spec.rtmpApp } : {};
    const source = { kind: "pull" as const, ...app, requestKeyframe: () => link.requestKeyframe(), stop: (reason: string) => this.stop(reason) };
    try {
      this.pulled = this.options.hub.publish(this.spec.localStreamName, source, this.options.id);
    } catch (err) {
      if (!(err instanceof StreamNameInUseError)) throw err;
      this.lost(link, `${this.spec.localStreamName} is published here by someone else`, true);
      return false;
    }
    for (const c of this.pulledConfigs.values()) this.pulled.setConfig(c);
    const early = this.earlyFrames;
    this.earlyFrames = [];
    for (const f of early) this.pullFrame(f);
    this.options.record?.(this.pulled);
    return true;
  }

  private pullFrame(frame: Frame): void {
    if (!this.pulled) {
      if (this.state === "CONNECTING" && this.earlyFrames.length < MAX_EARLY_FRAMES) this.earlyFrames.push(frame);
      return;
    }
    this.bytes += frameBytes(frame);
    this.pulled.pushFrame(frame);
  }

  private pulledConfig(config: TrackConfig): void {
    this.pulledConfigs.set(config.codec === "H264" ? "video" : "audio", config);
    this.pulled?.setConfig(config);
  }

  private lost(link: RelayLink, reason: string, retry: boolean): void {
    if (this.link !== link || this.state === "STOPPED" || this.state === "FAILED") return;
    this.dropLink(reason);
    this.retryLater(reason, retry);
  }

  private retryLater(reason: string, retry: boolean): void {
    this.lastError = reason;
    if (!retry) return this.transition("FAILED");
    this.transition("RECONNECTING");
    const delay = reconnectDelay(this.attempt++, this.options.timing.reconnectMinMs, this.options.timing.reconnectMaxMs, this.options.random);
    this.retryTimer = setTimeout(() => {
      if (this.state !== "RECONNECTING") return;
      this.reconnects++;
      this.transition("CONNECTING");
      void this.connect();
    }, delay);
  }

  /** Closes the current link; a pulled stream is unpublished here. */
  private dropLink(reason: string): void {
    const link = this.link;
    this.link = undefined;
    this.pushing?.detach();
    link?.stop();
    const pulled = this.pulled;
    this.pulled = undefined;
    this.pulledConfigs.clear();
    this.earlyFrames = [];
    if (pulled) this.options.hub.unpublish(pulled, reason);
  }
}

/**
 * push: the local stream's media for whichever link is up. A new link gets the configs first and
 * frames from the next keyframe (asked for at once), as a new sink of a stream does.
 */
class PushForwarder {
  private video?: H264Config;
  private audio?: AudioConfig;
  private sink?: MediaSink;
  private waitingForKey = true;

  constructor(
    private readonly askKeyframe: () => void,
    private readonly sent: (bytes: number) => void,
  ) {}

  attach(sink: MediaSink): void {
    this.sink = sink;
    this.waitingForKey = true;
    if (this.video) sink.config(this.video);
    if (this.audio) sink.config(this.audio);
    this.askKeyframe();
  }

  detach(): void {
    this.sink = undefined;
  }

  requestKeyframe(): void {
    this.askKeyframe();
  }

  config(config: TrackConfig): void {
    if (config.codec === "H264") this.video = config as H264Config;
    else this.audio = config as AudioConfig;
    this.sink?.config(config);
  }

  frame(frame: Frame): void {
    if (!this.sink) return;
    if (this.waitingForKey) {
      // audio-only streams start at once
      if (frame.kind === "audio" && this.video) return;
      if (frame.kind === "video" && !frame.key) return;
      this.waitingForKey = false;
    }
    this.sent(frameBytes(frame));
    this.sink.frame(frame);
  }
}

function frameBytes(frame: Frame): number {
  return frame.kind === "video" ? frame.data.reduce((n, nal) => n + nal.length, 0) : frame.data.length;
}
