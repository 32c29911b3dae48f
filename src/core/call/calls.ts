/**
 * Every REST-driven SIP call of the server (WCS `/call/*`): unique call ids and one call per RTMP
 * target (`rtmpUrl` + `rtmpStream`), both refused with CORE_ERR.CONFLICT (409, WCS "General rules"); lookups by id and by
 * filter; DTMF, stream and sound injection; every status change is handed to `onCallStatus` (the app
 * POSTs the call as a CallStatusEvent, rest/wcs-objects.ts). A finished call stays findable for
 * `finishedRetentionMs`, then goes away; its id may be used again at once. `sipPassword` is never
 * logged. The SIP stack and the call's media and audio paths load with the first call, not at start
 * (about 15 MB of an idle node's memory).
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import { MEDIA_FILE_ERR } from "../../audio/errors.ts";
import { readSoundFile } from "../../audio/media-path.ts";
import type { PcmBlock } from "../../audio/pcm.ts";
import type { TranscoderMaker } from "../../audio/transcoders.ts";
import { errorMessage, TranspondError } from "../../errors.ts";
import type { TimerSettings } from "../../sip/transaction/timers.ts";
import { RtpPortAllocator } from "../../rtp/port-allocator.ts";
import { displayUrl, parseRtmpTarget } from "../../rtmp/client/url.ts";
import { TypedEmitter } from "../../events.ts";
import type { StreamHub } from "../stream/hub.ts";
import type { ReservationReleased, StreamReservations } from "../push/transponders.ts";
import type { CallJob, CallTransponders } from "./job.ts";
import type { SipPorts } from "../../sip/transport/ports.ts";
import { OutboundPolicy } from "../outbound-policy.ts";
import { CallError, type CallRequest, type DtmfType } from "./types.ts";
import { CORE_ERR } from "../errors.ts";

export { CallError, type CallRequest, type CallStatus, type DtmfType } from "./types.ts";
export type { CallJob } from "./job.ts";

export interface CallRegistryDeps {
  readonly hub: StreamHub;
  readonly config: Config;
  /** the server's TransponderRegistry; without it rtmpUrl calls get RTMP_CONNECTION_FAILED */
  readonly transponders?: CallTransponders;
  readonly log: Logger;
  /** where a stream injected into a call is transcoded (codec workers); in this thread without */
  readonly transcoders?: (streamName: string) => TranscoderMaker;
  /** each status change, called at once (the call's getters are its new status) */
  readonly onCallStatus?: (call: CallJob) => void;
  /** RFC 3261 T1/T2/T4 overrides (tests shorten Timer B) */
  readonly sipTimers?: Partial<TimerSettings>;
  readonly rtcpIntervalMs?: number;
  /** how long a finished call stays findable (default 60 s) */
  readonly finishedRetentionMs?: number;
  /** reads a WAV for inject_sound (default: from media_dir) */
  readonly loadSound?: (name: string) => Promise<PcmBlock>;
}

export interface CallFilter {
  readonly callId?: string;
  readonly callee?: string;
  readonly rtmpUrl?: string;
  readonly status?: string;
}

export interface CallRegistryEvents extends Record<string, unknown> {
  /** a live call's toStream was given up unpublished: the call ended before it was established */
  released: ReservationReleased;
}

/** Also the server's StreamReservations: a live call's toStream is its until the call publishes it. */
export class CallRegistry extends TypedEmitter<CallRegistryEvents> implements StreamReservations {
  readonly #deps: CallRegistryDeps;
  readonly #calls = new Map<string, CallJob>();
  readonly #ports: RtpPortAllocator;
  #sipPorts: SipPorts | undefined;
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  readonly #destinations: OutboundPolicy;

  constructor(deps: CallRegistryDeps) {
    super();
    this.#deps = deps;
    this.#ports = new RtpPortAllocator(deps.config.media_port_from, deps.config.media_port_to, { receiveBufferBytes: deps.config.media_receive_buffer });
    this.#destinations = new OutboundPolicy("sip_destination_allow", deps.config.sip_destination_allow);
  }

  /**
   * Starts a call; the SIP work goes on in the background (the answer is 200 at once, as in WCS).
   * Resolves once the call exists, after the SIP stack loaded for the first call; the checks below
   * run after that wait, so two startups with one callId cannot both pass them.
   */
  async startup(request: CallRequest): Promise<CallJob> {
    const [{ CallJob }, { hostOf }, { SipPorts }] = await Promise.all([import("./job.ts"), import("./sip.ts"), import("../../sip/transport/ports.ts")]);
    this.#sipPorts ??= new SipPorts(this.#deps.config.bind_address, this.#deps.config["sip.port"]);
    const existing = this.#calls.get(request.callId);
    if (existing && !existing.isFinal) throw new CallError(CORE_ERR.CONFLICT, `Call with callId ${request.callId} already exists`);
    const hop = request.sipOutboundProxy ? "sipOutboundProxy" : "sipDomain";
    const refused = this.#destinations.refusal(nextHopHost(hop, request.sipOutboundProxy || request.sipDomain, hostOf));
    if (refused) throw new CallError(CORE_ERR.REFUSED, `${hop}: ${refused}`);
    if (this.all().filter((c) => !c.isFinal).length >= this.#deps.config.max_calls) throw new CallError(CORE_ERR.LIMIT, `the limit of ${this.#deps.config.max_calls} calls (max_calls) is reached`);
    if (request.rtmpUrl !== undefined && request.rtmpStream !== undefined) {
      const target = rtmpTarget(request.rtmpUrl, request.rtmpStream);
      const clash = this.all().find((c) => !c.isFinal && c.request.rtmpUrl !== undefined && c.request.rtmpStream !== undefined && rtmpTarget(c.request.rtmpUrl, c.request.rtmpStream) === target);
      if (clash) throw new CallError(CORE_ERR.CONFLICT, `rtmpUrl ${displayUrl(request.rtmpUrl)} with rtmpStream ${request.rtmpStream} is already used by call ${clash.request.callId}`);
    }
    if (request.toStream !== undefined) {
      const taken = this.#deps.hub.get(request.toStream) !== undefined || this.all().some((c) => !c.isFinal && c.request.toStream === request.toStream);
      if (taken) throw new CallError(CORE_ERR.CONFLICT, `toStream ${request.toStream} is already in use`);
    }
    this.#forget(request.callId);
    const job = new CallJob(request, {
      hub: this.#deps.hub,
      config: this.#deps.config,
      ...(this.#deps.transponders ? { transponders: this.#deps.transponders } : {}),
      ...(this.#deps.transcoders ? { transcoders: this.#deps.transcoders } : {}),
      ports: this.#ports,
      sipPorts: this.#sipPorts,
      log: this.#deps.log,
      ...(this.#deps.sipTimers ? { sipTimers: this.#deps.sipTimers } : {}),
      ...(this.#deps.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.#deps.rtcpIntervalMs } : {}),
      onStatus: (j) => this.#onStatus(j),
    });
    this.#calls.set(request.callId, job);
    this.#deps.log.info("call startup", { callId: request.callId, callee: request.callee, domain: request.sipDomain, rtmpUrl: request.rtmpUrl !== undefined ? displayUrl(request.rtmpUrl) : undefined });
    void job.start();
    return job;
  }

  all(): CallJob[] {
    return [...this.#calls.values()];
  }

  holder(name: string): string | undefined {
    const call = this.all().find((c) => !c.isFinal && c.request.toStream === name && c.streamName === undefined);
    return call ? `call ${call.request.callId}` : undefined;
  }

  find(filter: CallFilter): CallJob[] {
    return this.all().filter(
      (c) =>
        (filter.callId === undefined || c.request.callId === filter.callId) &&
        (filter.callee === undefined || c.request.callee === filter.callee) &&
        (filter.rtmpUrl === undefined || c.request.rtmpUrl === filter.rtmpUrl || (c.request.rtmpUrl !== undefined && displayUrl(c.request.rtmpUrl) === filter.rtmpUrl)) &&
        (filter.status === undefined || c.status === filter.status),
    );
  }

  get(callId: string): CallJob {
    const job = this.#calls.get(callId);
    if (!job) throw new CallError(CORE_ERR.NOT_FOUND, `call is not found: ${callId}`);
    return job;
  }

  /** A live call (CORE_ERR.NOT_FOUND when unknown or already over). */
  live(callId: string): CallJob {
    const job = this.get(callId);
    if (job.isFinal) throw new CallError(CORE_ERR.NOT_FOUND, `Call ${callId} is over (${job.status})`);
    return job;
  }

  async terminate(callId: string): Promise<void> {
    await this.live(callId).terminate();
  }

  async sendDtmf(callId: string, dtmf: string, type: DtmfType, durationMs?: number): Promise<void> {
    await this.live(callId).sendDtmf(dtmf, type, durationMs);
  }

  injectStream(callId: string, streamName: string): void {
    const job = this.live(callId);
    const stream = this.#deps.hub.get(streamName);
    if (!stream) throw new CallError(CORE_ERR.NOT_FOUND, `Stream not found: ${streamName}`);
    if (stream.name === job.streamName) throw new CallError(CORE_ERR.CONFLICT, "a call cannot be injected with its own stream");
    job.injectStream(stream);
  }

  stopInjection(callId: string): void {
    if (!this.live(callId).stopInjection()) throw new CallError(CORE_ERR.NOT_FOUND, `No stream is injected into call ${callId}`);
  }

  async injectSound(callId: string, fileName: string): Promise<void> {
    this.live(callId);
    let pcm: PcmBlock;
    try {
      pcm = await (this.#deps.loadSound ?? ((name) => readSoundFile(this.#deps.config.media_dir, name).then((w) => w.pcm)))(fileName);
    } catch (err) {
      if (err instanceof CallError) throw err;
      const missing = err instanceof TranspondError && err.code === MEDIA_FILE_ERR.NOT_FOUND;
      throw new CallError(missing ? CORE_ERR.NOT_FOUND : CORE_ERR.INVALID, missing ? `No such file: ${fileName}` : `fileName: ${errorMessage(err)}`);
    }
    this.live(callId).injectSound(pcm);
  }

  /** Hangs up every call (server shutdown), waiting at most `graceMs` for the far ends' answers. */
  async close(graceMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((done) => (timer = setTimeout(done, graceMs)));
    await Promise.race([Promise.all(this.all().map((c) => c.terminate("Server shutdown").catch(() => undefined))), grace]);
    clearTimeout(timer);
    // a far end that did not answer the BYE or CANCEL in time must not keep the call's sockets open
    for (const call of this.all()) call.abandon("Server shutdown");
    for (const t of this.#expiry.values()) clearTimeout(t);
    this.#expiry.clear();
  }

  #onStatus(job: CallJob): void {
    this.#deps.log.info(`call ${job.status}`, { callId: job.request.callId, sipStatus: job.sipStatus, info: job.info || undefined, rtmpStreamStatus: job.rtmpStreamStatus });
    try {
      this.#deps.onCallStatus?.(job);
    } catch (err) {
      this.#deps.log.warn("onCallStatus failed", { error: err as Error });
    }
    if (job.isFinal && !this.#expiry.has(job.request.callId)) {
      const reserved = job.request.toStream;
      if (reserved !== undefined && job.streamName === undefined) {
        this.emit("released", { name: reserved, reason: `call ${job.request.callId} ended ${job.status} (${job.info}) before publishing ${reserved}` });
      }
      const timer = setTimeout(() => {
        this.#expiry.delete(job.request.callId);
        if (this.#calls.get(job.request.callId) === job) this.#calls.delete(job.request.callId);
      }, this.#deps.finishedRetentionMs ?? 60_000);
      timer.unref();
      this.#expiry.set(job.request.callId, timer);
    }
  }

  #forget(callId: string): void {
    clearTimeout(this.#expiry.get(callId));
    this.#expiry.delete(callId);
    this.#calls.delete(callId);
  }
}

/** Where a call publishes, read with the `/push/startup` URL rules: host, port, app (query kept) and rtmpStream. */
function rtmpTarget(rtmpUrl: string, rtmpStream: string): string {
  try {
    const t = parseRtmpTarget(rtmpUrl, { streamName: rtmpStream });
    return `${t.secure ? "rtmps" : "rtmp"}://${t.host}:${t.port}/${t.app} ${t.streamName}`;
  } catch (err) {
    throw new CallError(CORE_ERR.INVALID, `rtmpUrl: ${errorMessage(err)}`);
  }
}

/** The host a call's SIP goes to first, read as `host[:port]` or a SIP URI; anything else is CORE_ERR.INVALID naming the field. */
function nextHopHost(field: string, value: string, hostOf: (value: string) => string): string {
  try {
    return hostOf(value);
  } catch (err) {
    throw new CallError(CORE_ERR.INVALID, `${field}: ${errorMessage(err)}`);
  }
}
