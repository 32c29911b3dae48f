/**
 * An outgoing call (RFC 3261 13, 14, 15; RFC 3311 UPDATE; RFC 6086 INFO): INVITE with the caller's
 * SDP offer, 1xx mapped to events (100 trying, 180 ringing, 183 progress with early-media SDP),
 * 2xx -> ACK and `established` with the answer, 3xx-6xx -> `failed` with a SipStatusError, Timer B
 * -> `failed` with a SipTimeoutError. 401/407 are answered with digest. `hangup()` sends CANCEL
 * while early (after the first provisional, 9.1) and BYE once established. From the far end:
 * BYE, re-INVITE and UPDATE (the delegate returns the answer SDP), INFO, OPTIONS.
 *
 * States: calling -> early -> established -> terminating -> terminated (any -> terminated).
 */
import { InvalidStateError, TranspondError } from "../../errors.ts";
import { SIP_ERR, SipError, SipStatusError, SipTimeoutError } from "../errors.ts";
import { ALLOWED_METHODS, type SipHeader, type SipRequest, type SipResponse } from "../messages.ts";
import { headerValue, headerValues } from "../message/headers.ts";
import { decodeCSeq, encodeCSeq } from "../headers/cseq.ts";
import { decodeNameAddr, tagOf } from "../headers/name-addr.ts";
import { Dialog } from "../dialog.ts";
import type { Authenticator } from "./auth.ts";
import type { ServerTransaction, SipCore } from "./core.ts";
import { TypedEmitter } from "../../events.ts";
import { sendNonInvite } from "./request.ts";
import { responseDestination } from "../transport/transport.ts";

export type CallState = "calling" | "early" | "established" | "terminating" | "terminated";

const MOVES: Record<CallState, readonly CallState[]> = {
  calling: ["early", "established", "terminating", "terminated"],
  early: ["established", "terminating", "terminated"],
  established: ["terminating", "terminated"],
  terminating: ["terminated"],
  terminated: [],
};

export interface CallEvents extends Record<string, unknown> {
  state: { from: CallState; to: CallState };
  trying: SipResponse;
  ringing: SipResponse;
  /** 183 (or another 1xx but 180) with its SDP when it has one: early media. */
  progress: { response: SipResponse; sdp?: string };
  established: { sdp: string; response: SipResponse };
  info: { contentType: string; body: string; request: SipRequest };
  /** The call ended after being established, or was cancelled. */
  ended: { by: "local" | "remote"; reason: string };
  /** The call never got established: SipStatusError (status), SipTimeoutError, or a transport error. */
  failed: TranspondError;
}

export interface CallDelegate {
  /** A re-INVITE or UPDATE offer from the far end; returns our answer SDP. Absent: 488. */
  onOffer?(sdp: string, method: "INVITE" | "UPDATE"): string | Promise<string>;
}

export interface CallSetup {
  readonly core: SipCore;
  readonly auth: Authenticator;
  readonly target: string;
  readonly from: string;
  readonly contact: string;
  readonly routes: readonly string[];
  readonly sdp: string;
  readonly headers?: readonly SipHeader[];
  readonly delegate?: CallDelegate;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SDP = "application/sdp";

export class Call extends TypedEmitter<CallEvents> {
  readonly callId: string;
  private current: CallState = "calling";
  private invite: SipRequest | undefined;
  private provisional = false;
  private cancelPending = false;
  private cancelSent = false;
  private dialog: Dialog | undefined;
  private ack: SipRequest | undefined;
  private localSdp: string;
  private remoteSdp: string | undefined;
  private stop2xx: (() => void) | undefined;

  constructor(private readonly setup: CallSetup) {
    super();
    this.callId = `${setup.core.random()}@transpond`;
    this.localSdp = setup.sdp;
  }

  get state(): CallState {
    return this.current;
  }
  /** The far end's SDP: the 2xx answer, or the last offer it sent. */
  get answerSdp(): string | undefined {
    return this.remoteSdp;
  }
  get dialogKey(): string | undefined {
    return this.dialog?.key;
  }

  private transition(to: CallState): void {
    if (this.current === to) return;
    const allowed = MOVES[this.current];
    if (!allowed.includes(to)) throw new InvalidStateError("Call", this.current, to, allowed);
    const from = this.current;
    this.current = to;
    if (to === "terminated") this.stop2xx?.();
    this.emit("state", { from, to });
  }

  /** Sends the INVITE. Called once by the UserAgent. */
  start(): void {
    const s = this.setup;
    const request: SipRequest = {
      type: "request",
      method: "INVITE",
      uri: s.target,
      headers: [
        ...s.routes.map((value) => ({ name: "Route", value })),
        { name: "From", value: `${s.from};tag=${s.core.random()}` },
        { name: "To", value: `<${s.target}>` },
        { name: "Call-ID", value: this.callId },
        { name: "CSeq", value: "1 INVITE" },
        { name: "Contact", value: s.contact },
        { name: "Allow", value: ALLOWED_METHODS.join(", ") },
        { name: "Content-Type", value: SDP },
        ...(s.headers ?? []),
      ],
      body: encoder.encode(s.sdp),
    };
    this.sendInvite(request);
  }

  private sendInvite(request: SipRequest): void {
    const tx = this.setup.core.sendRequest(request, {
      onResponse: (response) => this.onInviteResponse(request, tx.request, response),
      onTimeout: (reason) => {
        if (this.current === "terminating" && this.cancelPending) {
          this.transition("terminated");
          this.emit("ended", { by: "local", reason: "cancelled" });
        } else if (reason === "timeout" && (this.current === "calling" || this.current === "early")) {
          this.fail(new SipTimeoutError("INVITE", this.setup.core.timers.B));
        } else if (this.current === "calling" || this.current === "early") {
          // The first send can fail inside start(), before the caller of ua.call() has listeners.
          queueMicrotask(() => this.fail(new SipError(SIP_ERR.TRANSPORT, "INVITE: the transport failed")));
        }
      },
    });
    this.invite = tx.request;
  }

  private onInviteResponse(unsent: SipRequest, sent: SipRequest, response: SipResponse): void {
    const status = response.status;
    if (status < 200) {
      this.provisional = true;
      if (this.current === "terminating") {
        // hangup() came before any provisional: the CANCEL may go now (9.1).
        if (this.cancelPending) this.sendCancel();
        return;
      }
      if (this.current !== "calling" && this.current !== "early") return;
      if (status === 100) {
        this.emit("trying", response);
        return;
      }
      if (!this.dialog) this.dialog = Dialog.fromUacResponse(sent, response);
      this.transition("early");
      if (status === 180) this.emit("ringing", response);
      else {
        const sdp = bodyOf(response);
        this.emit("progress", sdp !== undefined ? { response, sdp } : { response });
      }
      return;
    }
    if (status < 300) {
      this.on2xx(sent, response);
      return;
    }
    if (this.current !== "calling" && this.current !== "early" && this.current !== "terminating") return;
    const again = this.setup.auth.retry(unsent, response);
    if (again && this.current !== "terminating") {
      this.sendInvite(again);
      return;
    }
    if (this.cancelPending) {
      this.transition("terminated");
      this.emit("ended", { by: "local", reason: "cancelled" });
      return;
    }
    this.fail(new SipStatusError(status, response.reason, "INVITE"));
  }

  private on2xx(sent: SipRequest, response: SipResponse): void {
    const remoteTag = tagOf(decodeNameAddr(headerValue(response, "To") ?? ""));
    if (this.ack && this.dialog?.state === "confirmed") {
      if (remoteTag === this.dialog.remoteTag) this.setup.core.sendStateless(this.ack);
      else this.ackAndBye(sent, response);
      return;
    }
    const early = this.dialog && this.dialog.remoteTag === remoteTag ? this.dialog : undefined;
    const dialog = early ?? Dialog.fromUacResponse(sent, response);
    if (!dialog) {
      this.fail(new SipError(SIP_ERR.DIALOG, "2xx without a To tag"));
      return;
    }
    dialog.confirm(response);
    this.dialog = dialog;
    const cseq = decodeCSeq(headerValue(sent, "CSeq") ?? "").seq;
    const credentials = sent.headers.filter((h) => h.name === "Authorization" || h.name === "Proxy-Authorization");
    this.ack = this.setup.core.sendStateless(dialog.createRequest("ACK", { cseq, headers: credentials }));
    if (this.current === "terminating") {
      // The 2xx crossed our CANCEL (9.1): acknowledge it, then end the session with BYE.
      void this.sendBye().catch(() => undefined);
      return;
    }
    this.remoteSdp = bodyOf(response) ?? this.remoteSdp;
    this.transition("established");
    this.emit("established", { sdp: this.remoteSdp ?? "", response });
  }

  /** A 2xx from another fork: acknowledge it and end that dialog (13.2.2.4). */
  private ackAndBye(sent: SipRequest, response: SipResponse): void {
    const other = Dialog.fromUacResponse(sent, response);
    if (!other) return;
    const cseq = decodeCSeq(headerValue(sent, "CSeq") ?? "").seq;
    this.setup.core.sendStateless(other.createRequest("ACK", { cseq }));
    void sendNonInvite(this.setup.core, this.setup.auth, other.createRequest("BYE")).catch(() => undefined);
  }

  /** A 2xx that came after the INVITE transaction ended (the UserAgent matched it by Call-ID). */
  receiveStray2xx(response: SipResponse): void {
    if (this.ack && this.invite) this.on2xx(this.invite, response);
  }

  private fail(error: TranspondError): void {
    if (this.current === "terminated") return;
    this.transition("terminated");
    this.emit("failed", error);
  }

  /** Ends the call: CANCEL while early (or as soon as a provisional arrives), BYE once established. */
  async hangup(): Promise<void> {
    switch (this.current) {
      case "calling":
      case "early":
        this.cancelPending = true;
        if (this.provisional) this.sendCancel();
        this.transition("terminating");
        return;
      case "established":
        this.transition("terminating");
        await this.sendBye();
        return;
      default:
        return;
    }
  }

  /** BYE in the dialog; whatever the answer (or none), the call is over. */
  private async sendBye(): Promise<void> {
    try {
      this.noteCSeq(await sendNonInvite(this.setup.core, this.setup.auth, this.dialog!.createRequest("BYE")));
    } finally {
      this.transition("terminated");
      this.emit("ended", { by: "local", reason: "hangup" });
    }
  }

  /** CANCEL (9.1): same Request-URI, Call-ID, From, To, CSeq number and top Via as the INVITE. */
  private sendCancel(): void {
    const invite = this.invite;
    if (!invite || this.cancelSent) return;
    this.cancelSent = true;
    const seq = decodeCSeq(headerValue(invite, "CSeq") ?? "").seq;
    const cancel: SipRequest = {
      type: "request",
      method: "CANCEL",
      uri: invite.uri,
      headers: [
        { name: "Via", value: headerValue(invite, "Via") ?? "" },
        ...headerValues(invite, "Route").map((value) => ({ name: "Route", value })),
        { name: "From", value: headerValue(invite, "From") ?? "" },
        { name: "To", value: headerValue(invite, "To") ?? "" },
        { name: "Call-ID", value: this.callId },
        { name: "CSeq", value: encodeCSeq({ seq, method: "CANCEL" }) },
      ],
      body: new Uint8Array(0),
    };
    this.setup.core.sendRequest(cancel, { onResponse: () => undefined, onTimeout: () => this.fail(new SipTimeoutError("CANCEL", this.setup.core.timers.F)) });
  }

  /** Sends INFO in the dialog (RFC 6086); resolves with the final response. */
  async sendInfo(contentType: string, body: string): Promise<SipResponse> {
    if (this.current !== "established" || !this.dialog) throw new InvalidStateError("Call", this.current, "INFO", ["established"]);
    const request = this.dialog.createRequest("INFO", { headers: [{ name: "Content-Type", value: contentType }], body: encoder.encode(body) });
    const response = this.noteCSeq(await sendNonInvite(this.setup.core, this.setup.auth, request));
    // 481 and 408 end the dialog (12.2.1.2).
    if (response.status === 481 || response.status === 408) {
      this.transition("terminated");
      this.emit("ended", { by: "remote", reason: `INFO answered ${response.status}` });
    }
    return response;
  }

  /** An answered challenge raised the CSeq of an in-dialog request; later ones must go above it. */
  private noteCSeq(response: SipResponse): SipResponse {
    const { seq } = decodeCSeq(headerValue(response, "CSeq") ?? "");
    if (this.dialog) this.dialog.localSeq = Math.max(this.dialog.localSeq, seq);
    return response;
  }

  /** An in-dialog request from the far end (the UserAgent matched the dialog). */
  receiveRequest(request: SipRequest, tx: ServerTransaction): void {
    const core = this.setup.core;
    const dialog = this.dialog!;
    const check = dialog.receiveRequest(request);
    if (!check.ok) {
      tx.respond(core.createResponse(request, check.status));
      return;
    }
    switch (request.method) {
      case "BYE":
        tx.respond(core.createResponse(request, 200));
        if (this.current !== "terminated") {
          this.transition("terminated");
          this.emit("ended", { by: "remote", reason: "BYE" });
        }
        return;
      case "INFO": {
        tx.respond(core.createResponse(request, 200));
        this.emit("info", { contentType: headerValue(request, "Content-Type") ?? "", body: decoder.decode(request.body), request });
        return;
      }
      case "OPTIONS":
        tx.respond(core.createResponse(request, 200, { headers: [{ name: "Allow", value: ALLOWED_METHODS.join(", ") }] }));
        return;
      case "INVITE":
      case "UPDATE":
        void this.answerOffer(request, tx);
        return;
      default:
        tx.respond(core.createResponse(request, 405, { headers: [{ name: "Allow", value: ALLOWED_METHODS.join(", ") }] }));
    }
  }

  private async answerOffer(request: SipRequest, tx: ServerTransaction): Promise<void> {
    const core = this.setup.core;
    const offer = bodyOf(request);
    let answer = this.localSdp;
    if (offer !== undefined) {
      const delegate = this.setup.delegate?.onOffer;
      if (!delegate) {
        tx.respond(core.createResponse(request, 488));
        return;
      }
      try {
        answer = await delegate(offer, request.method as "INVITE" | "UPDATE");
      } catch {
        tx.respond(core.createResponse(request, 488));
        return;
      }
      this.remoteSdp = offer;
      this.localSdp = answer;
    }
    const response = core.createResponse(request, 200, {
      headers: [
        { name: "Contact", value: this.setup.contact },
        { name: "Allow", value: ALLOWED_METHODS.join(", ") },
        { name: "Content-Type", value: SDP },
      ],
      body: encoder.encode(answer),
    });
    tx.respond(response);
    if (request.method === "INVITE" && !core.transport.reliable) this.retransmit2xx(response);
  }

  /** The UAS core resends a 2xx to INVITE until the ACK (13.3.1.4): T1, doubling to T2, for 64*T1. */
  private retransmit2xx(response: SipResponse): void {
    const to = responseDestination(response);
    if (!to) return;
    const t = this.setup.core.timers;
    let interval = t.T1;
    let elapsed = 0;
    let cancel: () => void = () => undefined;
    const tick = () => {
      elapsed += interval;
      if (elapsed >= 64 * t.T1) return;
      try {
        this.setup.core.transport.send(response, to);
      } catch {
        return;
      }
      interval = Math.min(2 * interval, t.T2);
      cancel = this.setup.core.clock.after(interval, tick);
    };
    cancel = this.setup.core.clock.after(interval, tick);
    this.stop2xx = () => cancel();
  }

  /** An ACK in this dialog: the answer to our 2xx (a body is the answer to an offer we made in it). */
  receiveAck(request: SipRequest): void {
    this.stop2xx?.();
    this.stop2xx = undefined;
    const sdp = bodyOf(request);
    if (sdp !== undefined) this.remoteSdp = sdp;
  }
}

function bodyOf(message: SipRequest | SipResponse): string | undefined {
  if (message.body.length === 0) return undefined;
  const type = (headerValue(message, "Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  return type === SDP ? decoder.decode(message.body) : undefined;
}
