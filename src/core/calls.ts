/**
 * Every REST-driven SIP call of the server (WCS `/call/*`): unique call ids and one call per RTMP
 * target (`rtmpUrl` + `rtmpStream`), both answered 409 (WCS "General rules"); lookups by id and by
 * filter; DTMF, stream and sound injection; the Call object of wcs-protocol.md 2.4 that `/call/find`
 * returns and that every status change hands to `onCallStatus` (the lead POSTs it as
 * CallStatusEvent). A finished call stays findable for `finishedRetentionMs`, then goes away; its
 * id may be used again at once. `sipPassword` is never part of the object and never logged.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { readSoundFile } from "../audio/media-path.ts";
import type { PcmBlock } from "../audio/pcm.ts";
import { errorMessage, TranspondError } from "../errors.ts";
import type { TimerSettings } from "../sip/transaction/timers.ts";
import { RtpPortAllocator } from "../rtp/port-allocator.ts";
import { displayUrl, parseRtmpTarget } from "../rtmp/client/url.ts";
import type { StreamHub } from "./hub.ts";
import { CallJob, type CallTransponders } from "./call-job.ts";
import { hostOf, SipPorts } from "./call-sip.ts";
import { OutboundPolicy } from "./outbound-policy.ts";
import { CallError, type CallRequest, type DtmfType } from "./call-types.ts";

export { CallError, type CallRequest, type CallStatus, type DtmfType } from "./call-types.ts";
export type { CallJob } from "./call-job.ts";

export interface CallRegistryDeps {
  readonly hub: StreamHub;
  readonly config: Config;
  /** the server's TransponderRegistry; without it rtmpUrl calls get RTMP_CONNECTION_FAILED */
  readonly transponders?: CallTransponders;
  readonly log: Logger;
  /** each status change, as the Call object (the REST hook CallStatusEvent body) */
  readonly onCallStatus?: (call: Record<string, unknown>) => void;
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

/** The WCS Call object (wcs-protocol.md 2.4) plus `info`, `mediaPorts`, `rtpStats`, `audioOut` and `injectedStream`. */
export function callObject(job: CallJob): Record<string, unknown> {
  const r = job.request;
  return {
    custom: {},
    nodeId: null,
    appKey: r.appKey ?? null,
    sessionId: null,
    callId: r.callId,
    parentCallId: null,
    incoming: false,
    status: job.status,
    sipStatus: job.sipStatus,
    info: job.info,
    rtmpUrl: r.rtmpUrl !== undefined ? displayUrl(r.rtmpUrl) : null,
    rtmpStream: r.rtmpStream ?? null,
    rtmpTransponderAudioCodec: r.rtmpUrl !== undefined ? job.rtmpAudioCodec : null,
    streamName: job.streamName ?? r.toStream ?? null,
    rtmpStreamStatus: job.rtmpStreamStatus ?? null,
    caller: r.sipLogin,
    callee: r.callee,
    hasAudio: r.hasAudio,
    hasVideo: r.hasVideo,
    sdp: job.remoteSdp ?? null,
    visibleName: r.visibleName ?? r.sipLogin,
    inviteParameters: null,
    mediaProvider: null,
    sipMessageRaw: null,
    isMsrp: false,
    target: null,
    holdForTransfer: false,
    injectedStream: job.injectedStream ?? null,
    mediaPorts: job.mediaPorts,
    rtpStats: job.rtpStats ?? null,
    audioOut: job.audioOut ?? null,
  };
}

export class CallRegistry {
  readonly #deps: CallRegistryDeps;
  readonly #calls = new Map<string, CallJob>();
  readonly #ports: RtpPortAllocator;
  readonly #sipPorts: SipPorts;
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  readonly #destinations: OutboundPolicy;

  constructor(deps: CallRegistryDeps) {
    this.#deps = deps;
    this.#ports = new RtpPortAllocator(deps.config.media_port_from, deps.config.media_port_to);
    this.#sipPorts = new SipPorts(deps.config.bind_address, deps.config["sip.port"]);
    this.#destinations = new OutboundPolicy("sip_destination_allow", deps.config.sip_destination_allow);
  }

  /** Starts a call; the SIP work goes on in the background (the answer is 200 at once, as in WCS). */
  startup(request: CallRequest): CallJob {
    const existing = this.#calls.get(request.callId);
    if (existing && !existing.isFinal) throw new CallError(409, `Call with callId ${request.callId} already exists`);
    const hop = request.sipOutboundProxy ? "sipOutboundProxy" : "sipDomain";
    const refused = this.#destinations.refusal(hostOf(request.sipOutboundProxy || request.sipDomain));
    if (refused) throw new CallError(403, `${hop}: ${refused}`);
    if (this.all().filter((c) => !c.isFinal).length >= this.#deps.config.max_calls) throw new CallError(429, `the limit of ${this.#deps.config.max_calls} calls (max_calls) is reached`);
    if (request.rtmpUrl !== undefined && request.rtmpStream !== undefined) {
      const target = rtmpTarget(request.rtmpUrl, request.rtmpStream);
      const clash = this.all().find((c) => !c.isFinal && c.request.rtmpUrl !== undefined && c.request.rtmpStream !== undefined && rtmpTarget(c.request.rtmpUrl, c.request.rtmpStream) === target);
      if (clash) throw new CallError(409, `rtmpUrl ${displayUrl(request.rtmpUrl)} with rtmpStream ${request.rtmpStream} is already used by call ${clash.request.callId}`);
    }
    if (request.toStream !== undefined) {
      const taken = this.#deps.hub.get(request.toStream) !== undefined || this.all().some((c) => !c.isFinal && c.request.toStream === request.toStream);
      if (taken) throw new CallError(409, `toStream ${request.toStream} is already in use`);
    }
    this.#forget(request.callId);
    const job = new CallJob(request, {
      hub: this.#deps.hub,
      config: this.#deps.config,
      ...(this.#deps.transponders ? { transponders: this.#deps.transponders } : {}),
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
    if (!job) throw new CallError(404, `call is not found: ${callId}`);
    return job;
  }

  /** A live call (404 when unknown or already over). */
  live(callId: string): CallJob {
    const job = this.get(callId);
    if (job.isFinal) throw new CallError(404, `Call ${callId} is over (${job.status})`);
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
    if (!stream) throw new CallError(404, `Stream not found: ${streamName}`);
    if (stream.name === job.streamName) throw new CallError(409, "a call cannot be injected with its own stream");
    job.injectStream(stream);
  }

  stopInjection(callId: string): void {
    if (!this.live(callId).stopInjection()) throw new CallError(404, `No stream is injected into call ${callId}`);
  }

  async injectSound(callId: string, fileName: string): Promise<void> {
    this.live(callId);
    let pcm: PcmBlock;
    try {
      pcm = await (this.#deps.loadSound ?? ((name) => readSoundFile(this.#deps.config.media_dir, name).then((w) => w.pcm)))(fileName);
    } catch (err) {
      if (err instanceof CallError) throw err;
      const code = err instanceof TranspondError ? err.code : "";
      throw new CallError(code === "ERR_MEDIA_NOT_FOUND" ? 404 : 400, code === "ERR_MEDIA_NOT_FOUND" ? `No such file: ${fileName}` : `fileName: ${errorMessage(err)}`);
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
    const object = callObject(job);
    this.#deps.log.info(`call ${job.status}`, { callId: job.request.callId, sipStatus: job.sipStatus, info: job.info || undefined, rtmpStreamStatus: job.rtmpStreamStatus });
    try {
      this.#deps.onCallStatus?.(object);
    } catch (err) {
      this.#deps.log.warn("onCallStatus failed", { error: err as Error });
    }
    if (job.isFinal && !this.#expiry.has(job.request.callId)) {
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
    throw new CallError(400, `rtmpUrl: ${errorMessage(err)}`);
  }
}
