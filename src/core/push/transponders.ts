/**
 * Every transponder of the server (WCS `/push/*`): unique per stream + rtmpUrl, started by REST, by
 * `createStream({rtmpUrl})`, or for every stream with `rtmp_push_auto_start`; removed when stopped.
 * A name a SIP call has reserved (its `toStream`, seed 000) may be asked for before the call is
 * established: that transponder is WAITING until the hub publishes the stream, and stops, saying
 * why, if the call ends without publishing it.
 */
import { lookup } from "node:dns/promises";
import type { Config } from "../../config.ts";
import type { RtmpAudioCodec } from "../../config-keys.ts";
import { CORE_ERR, CoreError } from "../errors.ts";
import { TypedEmitter } from "../../events.ts";
import { createLogger } from "../../log.ts";
import type { JobResume } from "../job-resume.ts";
import { OutboundPolicy } from "../outbound-policy.ts";
import { displayUrl, parseRtmpTarget, type RtmpTarget } from "../../rtmp/client/url.ts";
import type { PcmBlock } from "../../audio/pcm.ts";
import type { AudioPathFactory } from "./audio-path.ts";
import { newSessionId } from "../../names.ts";
import type { StreamHub } from "../stream/hub.ts";
import type { RtmpOutputFactory } from "./rtmp-output.ts";
import type { Stream } from "../stream/stream.ts";
import { Transponder, type TransponderStatus } from "./transponder.ts";

const log = createLogger("push");

export interface PushOptions {
  action?: "mute" | "sound_on";
  soundFile?: string;
  loop?: boolean;
}

export interface PushRequest {
  streamName: string;
  rtmpUrl: string;
  /** the exact name to publish, without prefix (a call's `rtmpStream`) */
  rtmpStream?: string;
  fullUrl?: boolean;
  flashVer?: string;
  /** default: the setting rtmp_transponder_audio_codec */
  audioCodec?: RtmpAudioCodec;
  options?: PushOptions;
}

/** A transponder request core refused (rest/errors.ts answers it with the status of its code). */
export class PushError extends CoreError {}

export interface TransponderRegistryDeps {
  hub: StreamHub;
  config: Config;
  connect: RtmpOutputFactory;
  audioPath: AudioPathFactory;
  /** reads a WAV from media_dir; rejects with PushError CORE_ERR.NOT_FOUND when missing, INVALID when refused */
  loadSound: (name: string) => Promise<PcmBlock>;
  resolveHost?: (host: string) => Promise<void>;
}

/** A transponder moved from one status to another (STOPPED last: it has left the registry). */
export interface TransponderStateChange {
  readonly transponder: Transponder;
  readonly from: TransponderStatus;
  readonly to: TransponderStatus;
}

export interface TransponderRegistryEvents extends Record<string, unknown> {
  state: TransponderStateChange;
}

/** A reserved stream name was given up without being published (its call ended first). */
export interface ReservationReleased {
  readonly name: string;
  readonly reason: string;
}

/** Stream names a source holds before it publishes them: a SIP call's toStream until the call is established. */
export interface StreamReservations {
  /** what holds `name` unpublished (`call <callId>`), or undefined when nothing does */
  holder(name: string): string | undefined;
  on(event: "released", listener: (released: ReservationReleased) => void): () => void;
}

export interface RegisteredTransponder {
  readonly transponder: Transponder;
  readonly request: PushRequest;
  readonly streamName: string;
  readonly audioCodec: RtmpAudioCodec;
}

export class TransponderRegistry extends TypedEmitter<TransponderRegistryEvents> {
  private readonly byId = new Map<string, RegisteredTransponder>();
  /** keys of startups between their uniqueness check and their insert (DNS, sound file) */
  private readonly starting = new Set<string>();
  private readonly deps: TransponderRegistryDeps;

  private readonly targets: OutboundPolicy;
  private reservations?: StreamReservations;

  constructor(deps: TransponderRegistryDeps) {
    super();
    this.deps = deps;
    this.targets = new OutboundPolicy("rtmp_target_allow", deps.config.rtmp_target_allow);
    deps.hub.listen({
      published: (stream) => {
        for (const r of this.waitingFor(stream.name)) r.transponder.attach(stream);
        if (deps.config.rtmp_push_auto_start) this.autoStart(stream);
      },
    });
  }

  /** Lets `/push/startup` accept names `reservations` hold (the server's calls) as WAITING transponders. */
  acceptReservedNames(reservations: StreamReservations): void {
    this.reservations = reservations;
    reservations.on("released", ({ name, reason }) => {
      for (const r of this.waitingFor(name)) r.transponder.stop(reason);
    });
  }

  /** `resume`: a cluster job taken over from a lost node (its id and reconnects). */
  async startup(request: PushRequest, resume?: JobResume): Promise<RegisteredTransponder> {
    const stream = this.deps.hub.get(request.streamName);
    if (!stream && this.reservations?.holder(request.streamName) === undefined) throw new PushError(CORE_ERR.NOT_FOUND, `Stream not found: ${request.streamName}`);
    const target = this.target(request);
    const refused = this.targets.refusal(target.host);
    if (refused) throw new PushError(CORE_ERR.REFUSED, `rtmpUrl: ${refused}`);
    // startups still resolving their host count too, or a burst of requests would overshoot the cap
    if (this.byId.size + this.starting.size >= this.deps.config.max_transponders) throw new PushError(CORE_ERR.LIMIT, `the limit of ${this.deps.config.max_transponders} transponders (max_transponders) is reached`);
    const key = uniqueKey(request);
    if (this.starting.has(key) || this.all().some((r) => uniqueKey(r.request) === key)) {
      throw new PushError(CORE_ERR.CONFLICT, `a transponder for ${request.streamName} to ${displayUrl(request.rtmpUrl)} already exists`);
    }
    this.starting.add(key);
    try {
      await (this.deps.resolveHost ?? resolveHost)(target.host);
      const sound = request.options?.action === "sound_on" ? await this.loadOptionSound(request.options) : undefined;
      return this.create(this.streamAfterAwaits(request.streamName, stream), request, target, sound, resume);
    } finally {
      this.starting.delete(key);
    }
  }

  find(streamName: string | undefined, rtmpUrl: string | undefined): RegisteredTransponder[] {
    return this.all().filter(
      (r) =>
        (streamName === undefined || r.streamName === streamName || r.request.streamName === streamName) &&
        (rtmpUrl === undefined || r.request.rtmpUrl === rtmpUrl || displayUrl(r.request.rtmpUrl) === rtmpUrl),
    );
  }

  all(): RegisteredTransponder[] {
    return [...this.byId.values()];
  }

  get(id: string): RegisteredTransponder {
    const found = this.byId.get(id);
    if (!found) throw new PushError(CORE_ERR.NOT_FOUND, `Not found transponder: ${id}`);
    return found;
  }

  terminate(id: string): void {
    this.get(id).transponder.stop("Stopped by rest /terminate");
  }

  mute(id: string, muted: boolean): void {
    this.get(id).transponder.options.audio.setMuted(muted);
  }

  async soundOn(id: string, soundFile: string, loop: boolean): Promise<void> {
    this.get(id);
    const sound = await this.deps.loadSound(soundFile);
    this.get(id).transponder.options.audio.soundOn(sound, loop);
  }

  soundOff(id: string): void {
    this.get(id).transponder.options.audio.soundOff();
  }

  close(): void {
    for (const r of this.all()) r.transponder.stop("Server shutdown");
  }

  /**
   * The stream to republish once startup's awaits are over, undefined to wait for a reservation;
   * CORE_ERR.NOT_FOUND when the stream checked before has ended, or the reservation ended unpublished meanwhile.
   */
  private streamAfterAwaits(name: string, before: Stream | undefined): Stream | undefined {
    const now = this.deps.hub.get(name);
    if (now && (before === undefined || now === before)) return now;
    if (before === undefined && this.reservations?.holder(name) !== undefined) return undefined;
    throw new PushError(CORE_ERR.NOT_FOUND, `Stream not found: ${name}`);
  }

  private waitingFor(name: string): RegisteredTransponder[] {
    return this.all().filter((r) => r.transponder.status === "WAITING" && r.request.streamName === name);
  }

  /** The codec the transponder sends: the request's, else the setting. */
  private audioCodec(request: PushRequest): RtmpAudioCodec {
    return request.audioCodec ?? this.deps.config.rtmp_transponder_audio_codec;
  }

  private target(request: PushRequest): RtmpTarget {
    const fullUrl = request.fullUrl ?? this.deps.config.rtmp_transponder_full_url;
    // The stream's name (any publisher chose it) must not add query parameters at the target.
    if (request.rtmpStream === undefined && !fullUrl && /[?#]/.test(request.streamName)) {
      throw new PushError(CORE_ERR.INVALID, `streamName ${request.streamName} holds '?' or '#': republished to RTMP it would add query parameters at the target`);
    }
    try {
      if (request.rtmpStream !== undefined) return parseRtmpTarget(request.rtmpUrl, { streamName: request.rtmpStream });
      return parseRtmpTarget(request.rtmpUrl, {
        streamName: request.streamName,
        fullUrl,
        prefix: this.deps.config.rtmp_transponder_stream_name_prefix,
      });
    } catch (err) {
      throw new PushError(CORE_ERR.INVALID, `rtmpUrl: ${(err as Error).message}`);
    }
  }

  private loadOptionSound(options: PushOptions): Promise<PcmBlock> {
    if (options.soundFile === undefined) throw new PushError(CORE_ERR.INVALID, "options.soundFile is required with action sound_on");
    return this.deps.loadSound(options.soundFile);
  }

  /** `sound` is the WAV of options {action: "sound_on"}, already read; without `stream` the transponder is WAITING. */
  private create(stream: Stream | undefined, request: PushRequest, target: RtmpTarget, sound: PcmBlock | undefined, resume: JobResume | undefined): RegisteredTransponder {
    const { config } = this.deps;
    const audioCodec = this.audioCodec(request);
    const audio = this.deps.audioPath(audioCodec, request.streamName);
    const options = request.options ?? {};
    const transponder = new Transponder({
      id: resume?.id ?? newSessionId(),
      ...(resume ? { reconnectsBefore: resume.reconnects } : {}),
      ...(stream ? { stream } : {}),
      target,
      displayUrl: displayUrl(request.rtmpUrl),
      flashVer: request.flashVer ?? config.rtmp_flash_version,
      connect: this.deps.connect,
      audio,
      timing: {
        reconnectMinMs: config.rtmp_reconnect_min_delay,
        reconnectMaxMs: config.rtmp_reconnect_max_delay,
        queueMs: config.rtmp_send_queue_ms,
        keyframeRequestIntervalMs: config.rtmp_keyframe_request_interval * 1000,
        highWaterBytes: 256 * 1024,
      },
      log,
      onStatus: (t, from, to) => {
        if (to === "STOPPED") this.byId.delete(t.options.id);
        this.emit("state", { transponder: t, from, to });
      },
    });
    if (options.action === "mute") audio.setMuted(true);
    if (sound !== undefined) audio.soundOn(sound, options.loop ?? false);
    const registered = { transponder, request, streamName: target.streamName, audioCodec };
    this.byId.set(transponder.options.id, registered);
    transponder.start();
    return registered;
  }

  private autoStart(stream: Stream): void {
    const rtmpUrl = this.deps.config.rtmp_push_auto_start_url;
    if (rtmpUrl === "") return log.warn("rtmp_push_auto_start is on but rtmp_push_auto_start_url is empty");
    this.startup({ streamName: stream.name, rtmpUrl }).catch((err) => log.warn("auto-start republish failed", { stream: stream.name, error: err as Error }));
  }
}

/** One transponder per stream, rtmpUrl and (for a call) rtmpStream. */
function uniqueKey(request: PushRequest): string {
  return JSON.stringify([request.streamName, request.rtmpUrl, request.rtmpStream ?? null]);
}

async function resolveHost(host: string): Promise<void> {
  try {
    await lookup(host);
  } catch {
    throw new PushError(CORE_ERR.INVALID, `rtmpUrl: host ${host} cannot be resolved`);
  }
}
