/**
 * Non-INVITE client transaction (RFC 3261 17.1.2, Figure 6):
 *
 *   trying --1xx--> proceeding --200-699--> completed --Timer K--> terminated
 *   trying --200-699--> completed
 *   trying/proceeding --Timer F / transport error--> terminated
 *
 * Over UDP the request is resent on Timer E: T1, 2*T1, ... capped at T2, and every T2 in proceeding.
 */
import type { SipRequest, SipResponse } from "../messages.ts";
import { Transaction, topViaOf, type TransactionOptions } from "./base.ts";
import type { ClientTransactionUser } from "./ict.ts";

export type NictState = "trying" | "proceeding" | "completed" | "terminated";

const TABLE: Record<NictState, readonly NictState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

export class NonInviteClientTransaction extends Transaction<NictState> {
  private interval: number;
  /** When Timer F fires; it keeps its deadline across trying -> proceeding. */
  private deadline = 0;

  constructor(readonly request: SipRequest, options: TransactionOptions, private readonly user: ClientTransactionUser) {
    super(options, "trying", TABLE, topViaOf(request));
    this.interval = options.timers.E;
  }

  start(): void {
    this.enter("trying");
  }

  protected enter(state: NictState): void {
    const t = this.options.timers;
    switch (state) {
      case "trying":
        this.trySend(this.request, () => this.fail("transport"));
        if (this.state !== "trying") return;
        if (!this.options.reliable) this.startTimer("E", this.interval, () => this.retransmit());
        this.deadline = this.options.clock.now() + t.F;
        this.startTimer("F", t.F, () => this.fail("timeout"));
        return;
      case "proceeding":
        // Timers E and F keep running in proceeding (17.1.2.2); E now fires every T2.
        this.startTimer("F", Math.max(0, this.deadline - this.options.clock.now()), () => this.fail("timeout"));
        if (!this.options.reliable) {
          this.interval = t.T2;
          this.startTimer("E", this.interval, () => this.retransmit());
        }
        return;
      case "completed":
        this.terminateAfter("K", t.K);
        return;
      case "terminated":
        this.user.onTerminated?.();
        return;
    }
  }

  private retransmit(): void {
    this.trySend(this.request, () => this.fail("transport"));
    if (this.state !== "trying" && this.state !== "proceeding") return;
    this.interval = this.state === "trying" ? Math.min(2 * this.interval, this.options.timers.T2) : this.options.timers.T2;
    this.startTimer("E", this.interval, () => this.retransmit());
  }

  private fail(reason: "timeout" | "transport"): void {
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onTimeout(reason);
  }

  receiveResponse(response: SipResponse): void {
    if (this.state === "completed" || this.state === "terminated") return;
    if (response.status < 200) {
      if (this.state === "trying") this.transition("proceeding");
      this.user.onResponse(response);
      return;
    }
    this.transition("completed");
    this.user.onResponse(response);
  }
}
