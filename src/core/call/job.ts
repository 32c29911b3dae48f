/**
 * One REST-driven SIP call (WCS `/call/startup`): optional REGISTER, INVITE with our SDP offer,
 * the statuses TRYING / RING / SESSION_PROGRESS / ESTABLISHED / HOLD / BUSY / FAILED / FINISH with
 * their SIP status, the phone's media made into a hub stream (`toStream`, or an internal name) and,
 * with `rtmpUrl` + `rtmpStream`, republished by a transponder whose state is the call's
 * `rtmpStreamStatus`. Audio out (silence, injected stream or sound, DTMF) goes through
 * CallAudioSender. RTP silence longer than `rtp_activity_timeout` ends the call with
 * `Failed by RTP activity`. Every change of status or rtmpStreamStatus calls `onStatus`.
 */
import { inThreadTranscoder, type TranscoderMaker } from "../../audio/transcoders.ts";
import type { Config } from "../../config.ts";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { SipStatusError, SipTimeoutError } from "../../sip/errors.ts";
import type { TimerSettings } from "../../sip/transaction/timers.ts";
import type { Call } from "../../sip/user-agent/call.ts";
import type { Registration } from "../../sip/user-agent/registration.ts";
import { buildSipOffer, readAnswerLeniently, type AnsweredMedia, type SipAnswer } from "../../sdp/offer.ts";
import { parseSdp } from "../../sdp/parse.ts";
import { serializeSdp } from "../../sdp/serialize.ts";
import type { SessionDescription } from "../../sdp/types.ts";
import { answerReoffer, readReoffer } from "../../sdp/reoffer.ts";
import type { RtpPortAllocator } from "../../rtp/port-allocator.ts";
import { RtpUdpSession } from "../../rtp/udp-session.ts";
import type { StreamHub } from "../stream/hub.ts";
import type { Stream } from "../stream/stream.ts";
import type { PushRequest, RegisteredTransponder, TransponderStateChange } from "../push/transponders.ts";
import { CallAudioSender } from "./audio-out.ts";
import { CallMedia, type CallRtpStats } from "./media.ts";
import { DTMF_RELAY_TYPE, encodeDtmfRelay } from "../../sip/bodies/dtmf-relay.ts";
import { MEDIA_CONTROL_TYPE, decodeMediaControl, encodePictureFastUpdate } from "../../sip/bodies/media-control.ts";
import type { SipPorts } from "../../sip/transport/ports.ts";
import { openSipAccount, type SipAccount } from "./sip.ts";
import { CORE_ERR } from "../errors.ts";
import { CALL_INFO, CallError, FINAL_CALL_STATUSES, type CallRequest, type CallStatus, type DtmfType, type RtmpStreamStatus } from "./types.ts";
import { CallInjection } from "./inject.ts";
import type { PcmBlock } from "../../audio/pcm.ts";
import type { RtmpAudioCodec } from "../../config-keys.ts";

/** The part of the TransponderRegistry a call uses. */
export interface CallTransponders {
  startup(request: PushRequest): Promise<RegisteredTransponder>;
  on(event: "state", listener: (change: TransponderStateChange) => void): () => void;
}

export interface CallJobDeps {
  readonly hub: StreamHub;
  readonly config: Config;
  readonly transponders?: CallTransponders;
  readonly transcoders?: (streamName: string) => TranscoderMaker;
  readonly ports: RtpPortAllocator;
  readonly sipPorts: SipPorts;
  readonly log: Logger;
  readonly sipTimers?: Partial<TimerSettings>;
  /** RTCP report interval (default 5000 ms) */
  readonly rtcpIntervalMs?: number;
  readonly onStatus: (job: CallJob) => void;
}

interface MediaLeg {
  readonly session: RtpUdpSession;
  answered?: AnsweredMedia;
}

const ACTIVITY_POLL_MS = 500;

export class CallJob {
  readonly request: CallRequest;
  readonly createdAt = Date.now();
  status: CallStatus = "NEW";
  /** the last SIP answer's status; null before the first one, as in the WCS Call object */
  sipStatus: number | null = null;
  info = "";
  rtmpStreamStatus: RtmpStreamStatus | undefined;
  streamName: string | undefined;
  /** the SDP answer of the phone, once established */
  remoteSdp: string | undefined;
  readonly #deps: CallJobDeps;
  #account: SipAccount | undefined;
  #registration: Registration | undefined;
  #call: Call | undefined;
  #offer: SessionDescription | undefined;
  #audio: MediaLeg | undefined;
  #video: MediaLeg | undefined;
  #media: CallMedia | undefined;
  #sender: CallAudioSender | undefined;
  #stream: Stream | undefined;
  #transponder: RegisteredTransponder | undefined;
  #injection: CallInjection | undefined;
  #timers: NodeJS.Timeout[] = [];
  #stopFollowingTransponder: () => void = () => {};
  #establishedAt = 0;
  #ending = false;
  /** how the call ends once the SIP dialog is over (a local hangup's reason) */
  #endAs: { status: CallStatus; info: string } | undefined;
  #everActive = false;
  /** o= version of our SDP (the offer has 1) */
  #sdpVersion = 1;

  constructor(request: CallRequest, deps: CallJobDeps) {
    this.request = request;
    this.#deps = deps;
    if (request.rtmpUrl && request.rtmpStream) this.rtmpStreamStatus = "RTMP_STREAM_WAIT";
  }

  get isFinal(): boolean {
    return FINAL_CALL_STATUSES.includes(this.status);
  }

  /** the audio codec of the rtmpUrl republish */
  get rtmpAudioCodec(): RtmpAudioCodec {
    return this.request.rtmpTransponderAudioCodec ?? this.#deps.config.rtmp_transponder_audio_codec;
  }

  get rtpStats(): CallRtpStats | undefined {
    return this.#media?.stats;
  }

  get audioOut(): CallAudioSender["counts"] | undefined {
    return this.#sender?.counts;
  }

  /** our RTP ports (RTCP is each + 1), once allocated */
  get mediaPorts(): { readonly audio?: number; readonly video?: number } {
    return { ...(this.#audio ? { audio: this.#audio.session.port } : {}), ...(this.#video ? { video: this.#video.session.port } : {}) };
  }

  get injectedStream(): string | undefined {
    return this.#injection?.streamName;
  }

  /** Registers when asked, then sends the INVITE. Failures end the call as FAILED, never throw. */
  async start(): Promise<void> {
    const r = this.request;
    try {
      this.#account = await openSipAccount(r, this.#deps.sipPorts, this.#deps.sipTimers);
      if (this.#ending) return this.#cleanup();
      if (r.sipRegisterRequired) {
        this.#registration = this.#account.ua.register();
        await this.#registration.register();
        if (this.#ending) return this.#cleanup();
      }
      await this.#openMedia(this.#account.localAddress);
      if (this.#ending) return this.#cleanup();
      this.#invite(this.#account);
    } catch (err) {
      this.#deps.log.warn("call setup failed", { callId: r.callId, error: err as Error });
      const status = err instanceof SipStatusError ? err.status : err instanceof SipTimeoutError ? 408 : this.sipStatus;
      this.#finish("FAILED", status, err instanceof SipTimeoutError ? CALL_INFO.REQUEST_TIMEOUT : r.sipRegisterRequired && status !== null ? `REGISTER failed: ${errorMessage(err)}` : errorMessage(err));
    }
  }

  async #openMedia(address: string): Promise<void> {
    const open = async (clockRate: number): Promise<MediaLeg> => {
      const pair = await this.#deps.ports.allocate(address);
      const session = new RtpUdpSession({
        rtp: pair.rtp,
        rtcp: pair.rtcp,
        port: pair.port,
        clockRate,
        ssrc: (Math.random() * 2 ** 32) >>> 0,
        cname: `rtp/${clockRate === 8000 ? "audio" : "video"}/${this.request.callId}`,
        delegate: {
          onRtp: (p) => (clockRate === 8000 ? this.#media?.receiveAudio(p) : this.#media?.receiveVideo(p)),
          onRtcp: (packets) => {
            for (const p of packets) if (p.type === "sr") this.#media?.senderReport(clockRate === 8000 ? "audio" : "video", p);
          },
        },
        ...(this.#deps.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: this.#deps.rtcpIntervalMs } : {}),
        onClose: () => this.#deps.ports.release(pair.port),
      });
      return { session };
    };
    this.#audio = await open(8000);
    this.#video = await open(90000);
    this.#offer = buildSipOffer({
      address,
      audioPort: this.#audio.session.port,
      videoPort: this.#video.session.port,
      hasAudio: this.request.hasAudio,
      hasVideo: this.request.hasVideo,
      sessionId: String(Date.now()),
      username: "Transpond",
    });
  }

  #invite(account: SipAccount): void {
    const call = account.ua.call(this.request.callee, {
      sdp: serializeSdp(this.#offer!),
      delegate: { onOffer: (sdp) => this.#answerReoffer(sdp) },
    });
    this.#call = call;
    call.on("trying", () => this.#set("TRYING", 100));
    call.on("ringing", () => this.#set("RING", 180));
    call.on("progress", ({ response }) => this.#set("SESSION_PROGRESS", response.status));
    call.on("established", ({ sdp }) => this.#established(sdp));
    call.on("info", ({ contentType, body }) => this.#onInfo(contentType, body));
    call.on("failed", (err) => {
      const status = err instanceof SipStatusError ? err.status : err instanceof SipTimeoutError ? 408 : this.sipStatus;
      const busy = status === 486 || status === 600;
      this.#finish(busy ? "BUSY" : "FAILED", status, err instanceof SipTimeoutError ? CALL_INFO.REQUEST_TIMEOUT : err instanceof SipStatusError ? err.reason : errorMessage(err));
    });
    call.on("ended", ({ by }) => {
      const end = by === "remote" ? undefined : this.#endAs;
      this.#finish(end?.status ?? "FINISH", this.sipStatus, end?.info ?? CALL_INFO.NORMAL);
    });
  }

  #established(sdp: string): void {
    this.remoteSdp = sdp;
    let answer: SipAnswer;
    try {
      answer = readAnswerLeniently(this.#offer!, parseSdp(sdp));
    } catch (err) {
      this.#endAs = { status: "FAILED", info: `${CALL_INFO.NO_COMMON_CODECS}: ${errorMessage(err)}` };
      this.#ending = true;
      void this.#call?.hangup().catch(() => undefined);
      return;
    }
    this.#establishedAt = Date.now();
    this.#startMedia(answer);
    this.#set("ESTABLISHED", 200);
    this.#publish();
    const timeout = this.#deps.config.rtp_activity_timeout;
    if (timeout > 0) this.#timers.push(setInterval(() => this.#checkActivity(timeout * 1000), Math.min(ACTIVITY_POLL_MS, timeout * 250)));
  }

  #startMedia(answer: SipAnswer): void {
    const { config } = this.#deps;
    const a = answer.audio && !answer.audio.rejected && answer.audio.codec ? answer.audio : undefined;
    const v = answer.video && !answer.video.rejected && answer.video.codec ? answer.video : undefined;
    const audioCodec = a?.codec?.encoding.toUpperCase();
    const law = audioCodec === "PCMA" || audioCodec === "PCMU" ? audioCodec : undefined;
    for (const [leg, m] of [[this.#audio!, a], [this.#video!, v]] as const) {
      if (!m) continue;
      leg.answered = m;
      leg.session.setRemote({ address: m.address, port: m.port, rtcpAddress: m.rtcpAddress, rtcpPort: m.rtcpPort });
    }
    const tePt = a?.telephoneEvent?.payloadType;
    this.#media = new CallMedia({
      ...(a && law ? { audio: { session: this.#audio!.session, codec: law, payloadType: a.codec!.payloadType, ...(tePt !== undefined ? { telephoneEventPayloadType: tePt } : {}) } } : {}),
      ...(v ? { video: { session: this.#video!.session, payloadTypes: [v.codec!.payloadType] } } : {}),
      jitterBuffer: config.rtp_in_buffer,
      jitterDelayMs: config.rtp_in_buffer_delay,
      output: {
        config: (c) => this.#stream?.setConfig(c),
        frame: (f) => this.#stream?.pushFrame(f),
      },
      onKeyframeInfo: () => void this.#call?.sendInfo(MEDIA_CONTROL_TYPE, encodePictureFastUpdate()).catch(() => undefined),
      onDtmf: (digit) => this.#deps.log.info("DTMF from the phone", { callId: this.request.callId, digit }),
    });
    this.#media.start();
    if (a && law) {
      this.#sender = new CallAudioSender({
        sink: this.#audio!.session,
        law,
        payloadType: a.codec!.payloadType,
        ...(tePt !== undefined ? { telephoneEventPayloadType: tePt } : {}),
        ptimeMs: a.ptime ?? 20,
        // recvonly (hasAudio false) promises the phone no audio; DTMF and injections are asked for explicitly
        generateSilence: config.generate_av_for_ua === "all" && this.request.hasAudio,
        silenceDelayMs: config.generate_av_start_delay,
      });
      this.#sender.start();
    }
    if (v && config.generate_av_for_ua === "all") {
      const keyframeRequests = () => this.#timers.push(setInterval(() => this.#media?.requestKeyframe(), 2000));
      this.#timers.push(setTimeout(keyframeRequests, config.generate_av_start_delay));
    }
  }

  #publish(): void {
    const { hub, log } = this.#deps;
    const r = this.request;
    const name = r.toStream ?? `call-${r.callId}`;
    try {
      this.#stream = hub.publish(name, { kind: "sip", video: this.#video?.answered !== undefined, requestKeyframe: () => this.#media?.requestKeyframe(), stop: (reason) => void this.terminate(reason) });
      this.streamName = name;
      const audioConfig = this.#media?.audioConfig;
      if (audioConfig) this.#stream.setConfig(audioConfig);
    } catch (err) {
      log.warn("the call's stream cannot be published", { callId: r.callId, stream: name, error: err as Error });
      return;
    }
    const transponders = this.#deps.transponders;
    if (r.rtmpUrl && r.rtmpStream && transponders) {
      transponders.startup({ streamName: name, rtmpUrl: r.rtmpUrl, rtmpStream: r.rtmpStream, audioCodec: r.rtmpTransponderAudioCodec }).then(
        (t) => {
          this.#transponder = t;
          if (this.isFinal) return t.transponder.stop("call ended");
          this.#stopFollowingTransponder = transponders.on("state", ({ transponder }) => {
            if (transponder === t.transponder) this.#followTransponder();
          });
          this.#followTransponder();
        },
        (err: unknown) => {
          log.warn("the call cannot be republished", { callId: r.callId, error: err as Error });
          this.#setRtmp("RTMP_CONNECTION_FAILED");
        },
      );
    }
  }

  /** rtmpStreamStatus from the transponder's status (WCS names). */
  #followTransponder(): void {
    const status = this.#transponder?.transponder.status;
    if (status === "ACTIVE") {
      this.#everActive = true;
      this.#setRtmp("RTMP_STREAM_ACTIVE");
    } else if (status === "FAILED") this.#setRtmp("RTMP_CONNECTION_FAILED");
    else if (status === "RECONNECTING" || (status === "CONNECTING" && this.#everActive)) this.#setRtmp("RTMP_CONNECTION_LOST");
  }

  #setRtmp(status: RtmpStreamStatus): void {
    if (this.rtmpStreamStatus === status) return;
    this.rtmpStreamStatus = status;
    this.#deps.onStatus(this);
  }

  #checkActivity(timeoutMs: number): void {
    if (this.status !== "ESTABLISHED") return;
    const sessions = [this.#audio, this.#video].filter((l) => l?.answered).map((l) => l!.session);
    const last = Math.max(this.#establishedAt, ...sessions.map((s) => s.lastRtpAt ?? 0));
    if (Date.now() - last <= timeoutMs) return;
    this.#deps.log.warn("no RTP from the phone: ending the call", { callId: this.request.callId, timeoutMs });
    this.#endAs = { status: "FAILED", info: CALL_INFO.RTP_ACTIVITY };
    this.#ending = true;
    void this.#call?.hangup().catch(() => undefined);
  }

  /** A re-INVITE or UPDATE: hold when the phone stops sending (sendonly/inactive), back when it resumes. */
  #answerReoffer(sdp: string): string {
    const reoffer = readReoffer(parseSdp(sdp));
    for (const [medium, remote] of reoffer.remotes) {
      const leg = medium === "audio" ? this.#audio : medium === "video" ? this.#video : undefined;
      if (leg?.answered) leg.session.setRemote(remote);
    }
    if (reoffer.held && this.status === "ESTABLISHED") this.#set("HOLD", this.sipStatus);
    else if (!reoffer.held && this.status === "HOLD") this.#set("ESTABLISHED", this.sipStatus);
    return answerReoffer(serializeSdp(this.#offer!), ++this.#sdpVersion, reoffer);
  }

  #onInfo(contentType: string, body: string): void {
    if (contentType.toLowerCase().startsWith(MEDIA_CONTROL_TYPE)) {
      try {
        const control = decodeMediaControl(body);
        this.#deps.log.debug("media_control from the phone", { callId: this.request.callId, pictureFastUpdate: control.pictureFastUpdate });
      } catch {
        // a broken body was already answered 200 by the dialog; nothing to do
      }
    }
  }

  /** Sends DTMF: RFC 4733 events on the audio RTP, or one SIP INFO dtmf-relay per digit. */
  async sendDtmf(digits: string, type: DtmfType, durationMs = 160): Promise<void> {
    if (this.status !== "ESTABLISHED" && this.status !== "HOLD") throw new CallError(CORE_ERR.CONFLICT, `call ${this.request.callId} is ${this.status}, not ESTABLISHED`);
    if (type === "INFO") {
      for (const signal of digits) await this.#call!.sendInfo(DTMF_RELAY_TYPE, encodeDtmfRelay({ signal, durationMs }));
      return;
    }
    if (!this.#sender?.canSendRfc2833) throw new CallError(CORE_ERR.CONFLICT, "the phone did not accept telephone-event in its SDP answer; use type INFO");
    await this.#sender.sendDtmf(digits, durationMs);
  }

  /** Sends a hub stream's audio into the call (replacing what was injected before). */
  injectStream(stream: Stream): void {
    if (!this.#sender) throw new CallError(CORE_ERR.CONFLICT, `call ${this.request.callId} has no audio to inject into (status ${this.status})`);
    this.#injection?.stop();
    const transcoder = this.#deps.transcoders?.(stream.name) ?? inThreadTranscoder;
    this.#injection = new CallInjection(stream, this.#sender, this.request.callId, this.#deps.log, transcoder);
  }

  stopInjection(): boolean {
    const had = this.#injection !== undefined;
    this.#injection?.stop();
    this.#injection = undefined;
    return had;
  }

  injectSound(pcm: PcmBlock): void {
    if (!this.#sender) throw new CallError(CORE_ERR.CONFLICT, `call ${this.request.callId} has no audio to inject into (status ${this.status})`);
    this.#sender.playSound(pcm);
  }

  /** Hangs up: CANCEL while ringing, BYE once established; the status becomes FINISH. */
  async terminate(reason: string = CALL_INFO.NORMAL): Promise<void> {
    if (this.isFinal || this.#ending) return;
    this.#ending = true;
    this.#endAs = { status: "FINISH", info: reason };
    if (this.#call) {
      await this.#call.hangup().catch(() => undefined);
      if (this.#call.state === "terminating") return; // CANCEL sent: "ended" follows
    }
    this.#finish("FINISH", this.sipStatus, reason);
  }

  /** Ends the call here without waiting for the far end (shutdown after a hang-up got no answer): sockets closed, FINISH. */
  abandon(reason: string): void {
    this.#finish("FINISH", this.sipStatus, reason);
  }

  #set(status: CallStatus, sipStatus: number | null): void {
    if (this.isFinal) return;
    const changed = this.status !== status || this.sipStatus !== sipStatus;
    this.status = status;
    this.sipStatus = sipStatus;
    if (changed) this.#deps.onStatus(this);
  }

  #finish(status: CallStatus, sipStatus: number | null, info: string): void {
    if (this.isFinal) return;
    this.status = status;
    this.sipStatus = sipStatus;
    this.info = info;
    this.#ending = true;
    void this.#cleanup();
    this.#deps.onStatus(this);
  }

  async #cleanup(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#stopFollowingTransponder();
    this.#injection?.stop();
    this.#sender?.stop();
    this.#media?.stop();
    if (this.#stream) this.#deps.hub.unpublish(this.#stream, this.info || CALL_INFO.NORMAL);
    this.#transponder?.transponder.stop("call ended");
    this.#audio?.session.close();
    this.#video?.session.close();
    if (!this.isFinal) {
      this.status = "FINISH";
      this.info ||= CALL_INFO.NORMAL;
      this.#deps.onStatus(this);
    }
    const account = this.#account;
    this.#account = undefined;
    await this.#registration?.unregister().catch(() => undefined);
    await account?.close();
  }
}
