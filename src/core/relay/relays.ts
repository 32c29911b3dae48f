/**
 * Every relay of the server (WCS `/pull/*`): pushes of a local stream to another server and pulls
 * of another server's stream into a local one, over the WCS agent (ws/wss) or RTMP. Unique per
 * direction + uri + stream names; removed when stopped.
 */
import type { Config } from "../../config.ts";
import { CORE_ERR, CoreError } from "../errors.ts";
import { TypedEmitter } from "../../events.ts";
import { createLogger } from "../../log.ts";
import { displayUrl } from "../../rtmp/client/url.ts";
import { newSessionId } from "../../names.ts";
import type { JobResume } from "../job-resume.ts";
import type { StreamHub } from "../stream/hub.ts";
import type { Stream } from "../stream/stream.ts";
import type { RelayDirection, RelayLinkFactory, RelaySpec, RelayTransport } from "./link.ts";
import { Relay, type RelayState } from "./relay.ts";

const log = createLogger("relay");

/** A relay request core refused (rest/errors.ts answers it with the status of its code). */
export class RelayError extends CoreError {}

/** A /pull/push or /pull/pull body, fields as read by the REST layer. */
export interface RelayRequest {
  readonly uri: string;
  readonly localStreamName?: string;
  readonly remoteStreamName?: string;
  readonly hasAudio?: boolean;
  readonly hasVideo?: boolean;
  readonly record?: boolean;
  /** pull: the RTMP application the local stream plays under (a cluster edge keeps its origin's); `live` when unset */
  readonly rtmpApp?: string;
}

/** Fields a find or terminate matches on; only those given count. */
export interface RelayFilter {
  readonly uri?: string;
  readonly localStreamName?: string;
  readonly remoteStreamName?: string;
  readonly localMediaSessionId?: string;
}

export interface RelayRegistryDeps {
  readonly hub: StreamHub;
  readonly config: Pick<Config, "wcs_agent_ssl" | "wcs_agent_reconnect_min_delay" | "wcs_agent_reconnect_max_delay" | "max_relays">;
  readonly connect: RelayLinkFactory;
  /** attaches a recording to a pulled stream (the RTMP form's `record`) */
  readonly record?: (stream: Stream) => void;
  /** refuses destinations the operator has not allowed; throws RelayError CORE_ERR.INVALID */
  readonly checkDestination?: (uri: string) => void;
}

export interface RelayStateChange {
  readonly relay: Relay;
  readonly from: RelayState;
  readonly to: RelayState;
}

export interface RelayRegistryEvents extends Record<string, unknown> {
  state: RelayStateChange;
}

const SCHEMES = ["ws", "wss", "rtmp", "rtmps"];

/**
 * The uri with its scheme: one given wins; without one, ws:// or wss:// as `wcs_agent_ssl` says
 * (WCS). CORE_ERR.INVALID for another scheme.
 */
export function normalizeRelayUri(uri: string, ssl: boolean): { uri: string; transport: RelayTransport } {
  const trimmed = uri.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (!m) {
    if (trimmed === "" || /[\s/]/.test(trimmed.split("/")[0]!)) throw new RelayError(CORE_ERR.INVALID, "uri: not a host[:port] or a URL");
    return { uri: `${ssl ? "wss" : "ws"}://${trimmed}`, transport: "webrtc" };
  }
  const scheme = m[1]!.toLowerCase();
  if (!SCHEMES.includes(scheme)) throw new RelayError(CORE_ERR.INVALID, `uri: scheme ${scheme} is not one of ws, wss, rtmp, rtmps`);
  try {
    const host = new URL(trimmed.replace(/^rtmps?:/i, "http:")).hostname;
    if (host === "") throw new Error("no host");
  } catch {
    throw new RelayError(CORE_ERR.INVALID, "uri: not a valid URL");
  }
  return { uri: trimmed, transport: scheme.startsWith("rtmp") ? "rtmp" : "webrtc" };
}

/** The stream name an rtmp:// uri plays: its last path segment. */
function rtmpStreamName(uri: string): string {
  const path = uri.replace(/^[a-z]+:\/\/[^/]*/i, "").split("?")[0]!;
  const segments = path.split("/").filter((s) => s !== "");
  if (segments.length < 2) throw new RelayError(CORE_ERR.INVALID, "uri: an rtmp:// uri needs an application and a stream name: rtmp://host/app/stream");
  return decodeURIComponent(segments[segments.length - 1]!);
}

export class RelayRegistry extends TypedEmitter<RelayRegistryEvents> {
  private readonly byId = new Map<string, Relay>();
  private readonly deps: RelayRegistryDeps;

  constructor(deps: RelayRegistryDeps) {
    super();
    this.deps = deps;
  }

  /** /pull/push: publish a local stream on the server at `uri`. `resume`: a cluster job taken over. */
  push(request: RelayRequest, resume?: JobResume): Relay {
    const spec = this.spec("push", request);
    const local = this.deps.hub.get(spec.localStreamName);
    if (!local) throw new RelayError(CORE_ERR.NOT_FOUND, `Stream not found: ${spec.localStreamName}`);
    this.refuseDuplicate(spec);
    return this.create(spec, resume, local);
  }

  /** /pull/pull: play `remoteStreamName` (or the rtmp:// uri) and publish it here. */
  pull(request: RelayRequest, resume?: JobResume): Relay {
    const spec = this.spec("pull", request);
    this.refuseDuplicate(spec);
    if (this.deps.hub.get(spec.localStreamName)) throw new RelayError(CORE_ERR.CONFLICT, `Stream name is already in use: ${spec.localStreamName}`);
    return this.create(spec, resume);
  }

  find(filter: RelayFilter): Relay[] {
    return this.all().filter((r) => matches(r, filter));
  }

  all(): Relay[] {
    return [...this.byId.values()];
  }

  /** Stops every relay the filter matches; CORE_ERR.INVALID without any field, NOT_FOUND when none matches. */
  terminate(filter: RelayFilter): number {
    if (Object.values(filter).every((v) => v === undefined)) {
      throw new RelayError(CORE_ERR.INVALID, "give at least one of uri, localStreamName, remoteStreamName, localMediaSessionId");
    }
    const found = this.find(filter);
    if (found.length === 0) throw new RelayError(CORE_ERR.NOT_FOUND, "Relay not found");
    for (const r of found) r.stop("Stopped by rest /terminate");
    return found.length;
  }

  close(): void {
    for (const r of this.all()) r.stop("Server shutdown");
  }

  private spec(direction: RelayDirection, request: RelayRequest): RelaySpec {
    const { uri, transport } = normalizeRelayUri(request.uri, this.deps.config.wcs_agent_ssl);
    if (direction === "push" && transport === "rtmp") throw new RelayError(CORE_ERR.INVALID, "uri: /pull/push publishes to a WCS server over ws:// or wss://; use /push/startup for RTMP");
    this.deps.checkDestination?.(uri);
    let localStreamName = request.localStreamName;
    let remoteStreamName = request.remoteStreamName;
    if (transport === "rtmp") {
      remoteStreamName = rtmpStreamName(uri);
      // WCS: without localStreamName the stream is named after the uri
      localStreamName ??= displayUrl(uri);
    } else {
      if (localStreamName === undefined) throw new RelayError(CORE_ERR.INVALID, "localStreamName is required");
      if (remoteStreamName === undefined) throw new RelayError(CORE_ERR.INVALID, "remoteStreamName is required");
    }
    const rtmpApp = request.rtmpApp !== undefined ? { rtmpApp: request.rtmpApp } : {};
    return { direction, transport, uri, localStreamName, remoteStreamName, hasAudio: request.hasAudio ?? true, hasVideo: request.hasVideo ?? true, record: request.record ?? false, ...rtmpApp };
  }

  private refuseDuplicate(spec: RelaySpec): void {
    const same = this.all().find((r) => {
      const s = r.spec;
      if (s.direction !== spec.direction || s.uri !== spec.uri) return false;
      return spec.transport === "rtmp" || s.localStreamName === spec.localStreamName || s.remoteStreamName === spec.remoteStreamName;
    });
    if (same) throw new RelayError(CORE_ERR.CONFLICT, `a ${spec.direction} relay of ${spec.localStreamName} with ${displayUrl(spec.uri)} already exists`);
    if (spec.direction === "pull" && this.all().some((r) => r.spec.direction === "pull" && r.spec.localStreamName === spec.localStreamName)) {
      throw new RelayError(CORE_ERR.CONFLICT, `a relay already pulls into ${spec.localStreamName}`);
    }
  }

  private create(spec: RelaySpec, resume: JobResume | undefined, local?: Stream): Relay {
    if (this.byId.size >= this.deps.config.max_relays) throw new RelayError(CORE_ERR.LIMIT, `the limit of ${this.deps.config.max_relays} relays (max_relays) is reached`);
    const relay = new Relay({
      id: resume?.id ?? newSessionId(),
      spec,
      displayUri: displayUrl(spec.uri),
      hub: this.deps.hub,
      connect: this.deps.connect,
      timing: { reconnectMinMs: this.deps.config.wcs_agent_reconnect_min_delay, reconnectMaxMs: this.deps.config.wcs_agent_reconnect_max_delay },
      log,
      record: spec.record ? this.deps.record : undefined,
      onState: (r, from, to) => {
        if (to === "STOPPED") this.byId.delete(r.options.id);
        this.emit("state", { relay: r, from, to });
      },
    });
    this.byId.set(relay.options.id, relay);
    relay.reconnects = resume?.reconnects ?? 0;
    relay.start(local);
    return relay;
  }
}

function matches(r: Relay, f: RelayFilter): boolean {
  const s = r.spec;
  return (
    (f.uri === undefined || f.uri === s.uri || f.uri === r.options.displayUri) &&
    (f.localStreamName === undefined || f.localStreamName === s.localStreamName) &&
    (f.remoteStreamName === undefined || f.remoteStreamName === s.remoteStreamName) &&
    (f.localMediaSessionId === undefined || f.localMediaSessionId === r.options.id)
  );
}
