/**
 * REGISTER (RFC 3261 10): binds our Contact to the address of record, refreshes before the
 * granted expiry (half of it for short ones, 32 s early for long ones), follows 423 Min-Expires,
 * answers 401/407, and removes the binding with Expires: 0.
 *
 * States: unregistered -> registering -> registered -> unregistering -> unregistered; any -> failed.
 */
import { InvalidStateError, TranspondError } from "../../errors.ts";
import { SIP_ERR, SipError, SipStatusError } from "../errors.ts";
import type { SipRequest, SipResponse } from "../messages.ts";
import { headerValue, headerValues } from "../message/headers.ts";
import { decodeNameAddr } from "../headers/name-addr.ts";
import { decodeCSeq } from "../headers/cseq.ts";
import type { Authenticator } from "./auth.ts";
import type { SipCore } from "./core.ts";
import { TypedEmitter } from "../../events.ts";
import { sendNonInvite } from "./request.ts";

export type RegistrationState = "unregistered" | "registering" | "registered" | "unregistering" | "failed";

const MOVES: Record<RegistrationState, readonly RegistrationState[]> = {
  unregistered: ["registering"],
  registering: ["registered", "failed", "unregistering", "unregistered"],
  registered: ["registering", "unregistering", "failed"],
  unregistering: ["unregistered", "failed"],
  failed: ["registering", "unregistered"],
};

export interface RegistrationEvents extends Record<string, unknown> {
  state: { from: RegistrationState; to: RegistrationState };
  registered: { expires: number };
  unregistered: undefined;
  failed: TranspondError;
}

export interface RegistrationSetup {
  readonly core: SipCore;
  readonly auth: Authenticator;
  /** `sip:user@domain` */
  readonly aor: string;
  /** `sip:domain` */
  readonly registrar: string;
  readonly from: string;
  readonly contact: string;
  readonly routes: readonly string[];
  readonly expires: number;
}

export class Registration extends TypedEmitter<RegistrationEvents> {
  private current: RegistrationState = "unregistered";
  private readonly callId: string;
  private seq = 0;
  private expires: number;
  private cancelRefresh: (() => void) | undefined;

  constructor(private readonly setup: RegistrationSetup) {
    super();
    this.callId = `${setup.core.random()}@transpond`;
    this.expires = setup.expires;
  }

  get state(): RegistrationState {
    return this.current;
  }

  private transition(to: RegistrationState): void {
    if (this.current === to) return;
    const allowed = MOVES[this.current];
    if (!allowed.includes(to)) throw new InvalidStateError("Registration", this.current, to, allowed);
    const from = this.current;
    this.current = to;
    this.emit("state", { from, to });
  }

  private request(expires: number): SipRequest {
    const s = this.setup;
    return {
      type: "request",
      method: "REGISTER",
      uri: s.registrar,
      headers: [
        ...s.routes.map((value) => ({ name: "Route", value })),
        { name: "From", value: s.from },
        { name: "To", value: `<${s.aor}>` },
        { name: "Call-ID", value: this.callId },
        { name: "CSeq", value: `${++this.seq} REGISTER` },
        { name: "Contact", value: s.contact },
        { name: "Expires", value: String(expires) },
      ],
      body: new Uint8Array(0),
    };
  }

  /** Registers (or refreshes); resolves with the granted expiry in seconds. */
  async register(): Promise<number> {
    this.transition("registering");
    this.cancelRefresh?.();
    try {
      let response = await this.send(this.expires);
      if (response.status === 423) {
        const min = Number(headerValue(response, "Min-Expires"));
        if (Number.isFinite(min) && min > this.expires) {
          this.expires = min;
          response = await this.send(this.expires);
        }
      }
      if (response.status < 200 || response.status >= 300) throw new SipStatusError(response.status, response.reason, "REGISTER");
      if (this.current !== "registering") return 0;
      const granted = grantedExpires(response, this.setup.contact, this.expires);
      this.transition("registered");
      this.emit("registered", { expires: granted });
      const refreshIn = granted > 64 ? granted - 32 : Math.max(1, granted / 2);
      this.cancelRefresh = this.setup.core.clock.after(refreshIn * 1000, () => {
        this.register().catch(() => undefined);
      });
      return granted;
    } catch (err) {
      const error = err instanceof TranspondError ? err : new SipError(SIP_ERR.REGISTER, String(err));
      if (this.current === "registering") {
        this.transition("failed");
        this.emit("failed", error);
      }
      throw error;
    }
  }

  /** Removes the binding (Expires: 0) and stops refreshing. */
  async unregister(): Promise<void> {
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
    if (this.current === "unregistered" || this.current === "failed") return;
    this.transition("unregistering");
    try {
      const response = await this.send(0);
      if (response.status >= 300) throw new SipStatusError(response.status, response.reason, "REGISTER");
    } finally {
      this.transition("unregistered");
      this.emit("unregistered", undefined);
    }
  }

  private async send(expires: number): Promise<SipResponse> {
    const response = await sendNonInvite(this.setup.core, this.setup.auth, this.request(expires));
    // An answered challenge raised the CSeq; the next REGISTER must go above it (10.2.4).
    this.seq = Math.max(this.seq, decodeCSeq(headerValue(response, "CSeq") ?? "0 REGISTER").seq);
    return response;
  }

  /** Stops the refresh timer without sending anything. */
  dispose(): void {
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
    this.removeAllListeners();
  }
}

/** The expiry the registrar granted for our Contact (10.2.4): its `expires` param, else Expires, else what we asked. */
function grantedExpires(response: SipResponse, contact: string, asked: number): number {
  const ours = decodeNameAddr(contact).uri;
  for (const value of headerValues(response, "Contact")) {
    try {
      const c = decodeNameAddr(value);
      if (c.uri === ours && c.params.expires) return Number(c.params.expires);
    } catch {
      // ignore a malformed binding of someone else
    }
  }
  const header = Number(headerValue(response, "Expires"));
  return Number.isFinite(header) && header > 0 ? header : asked;
}
