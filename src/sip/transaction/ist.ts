/**
 * INVITE server transaction (RFC 3261 17.2.1, Figure 7; RFC 6026 7.1 adds "accepted"):
 *
 *   proceeding --1xx from TU--> proceeding
 *   proceeding --2xx from TU--> accepted --Timer L--> terminated
 *   proceeding --300-699 from TU--> completed --ACK--> confirmed --Timer I--> terminated
 *   completed --Timer H (no ACK)--> terminated (the TU is told)
 *
 * A retransmitted INVITE gets the last provisional or non-2xx final response again. Over UDP the
 * non-2xx final response is resent on Timer G (T1, doubling, capped at T2). The 2xx is the TU's to
 * retransmit (13.3.1.4); ACKs for it pass straight to the TU.
 */
import type { SipRequest, SipResponse } from "../messages.ts";
import { Transaction, topViaOf, type TransactionOptions } from "./base.ts";

export type IstState = "proceeding" | "accepted" | "completed" | "confirmed" | "terminated";

const TABLE: Record<IstState, readonly IstState[]> = {
  proceeding: ["accepted", "completed", "terminated"],
  accepted: ["terminated"],
  completed: ["confirmed", "terminated"],
  confirmed: ["terminated"],
  terminated: [],
};

export interface ServerTransactionUser {
  /** Timer H fired without an ACK, or the transport failed. */
  onTimeout?(reason: "timeout" | "transport"): void;
  onTerminated?(): void;
}

export class InviteServerTransaction extends Transaction<IstState> {
  private last: SipResponse | undefined;
  private interval: number;

  constructor(readonly request: SipRequest, options: TransactionOptions, private readonly user: ServerTransactionUser = {}) {
    super(options, "proceeding", TABLE, topViaOf(request));
    this.interval = options.timers.G;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** Sends a response from the TU (17.2.1). */
  respond(response: SipResponse): void {
    if (this.state !== "proceeding") return;
    this.last = response;
    this.trySend(response, () => this.fail("transport"));
    if (this.state !== "proceeding") return;
    if (response.status >= 300) this.transition("completed");
    else if (response.status >= 200) this.transition("accepted");
  }

  protected enter(state: IstState): void {
    const t = this.options.timers;
    switch (state) {
      case "accepted":
        this.startTimer("L", t.L, () => this.transition("terminated"));
        return;
      case "completed":
        if (!this.options.reliable) this.startTimer("G", this.interval, () => this.retransmit());
        this.startTimer("H", t.H, () => this.fail("timeout"));
        return;
      case "confirmed":
        this.terminateAfter("I", t.I);
        return;
      case "terminated":
        this.user.onTerminated?.();
        return;
      case "proceeding":
        return;
    }
  }

  private retransmit(): void {
    if (this.last) this.trySend(this.last, () => this.fail("transport"));
    if (this.state !== "completed") return;
    this.interval = Math.min(2 * this.interval, this.options.timers.T2);
    this.startTimer("G", this.interval, () => this.retransmit());
  }

  private fail(reason: "timeout" | "transport"): void {
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onTimeout?.(reason);
  }

  /** A retransmitted INVITE or an ACK that matched this transaction. Returns true when absorbed. */
  receiveRequest(request: SipRequest): boolean {
    if (request.method === "ACK") {
      if (this.state === "completed") {
        this.transition("confirmed");
        return true;
      }
      return this.state === "confirmed";
    }
    if ((this.state === "proceeding" || this.state === "completed") && this.last) this.trySend(this.last, () => this.fail("transport"));
    return true;
  }
}
