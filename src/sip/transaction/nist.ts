/**
 * Non-INVITE server transaction (RFC 3261 17.2.2, Figure 8):
 *
 *   trying --1xx from TU--> proceeding --200-699 from TU--> completed --Timer J--> terminated
 *   trying --200-699 from TU--> completed
 *
 * A retransmitted request gets the last response again (none while trying).
 */
import type { SipRequest, SipResponse } from "../messages.ts";
import { Transaction, topViaOf, type TransactionOptions } from "./base.ts";
import type { ServerTransactionUser } from "./ist.ts";

export type NistState = "trying" | "proceeding" | "completed" | "terminated";

const TABLE: Record<NistState, readonly NistState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

export class NonInviteServerTransaction extends Transaction<NistState> {
  private last: SipResponse | undefined;

  constructor(readonly request: SipRequest, options: TransactionOptions, private readonly user: ServerTransactionUser = {}) {
    super(options, "trying", TABLE, topViaOf(request));
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  respond(response: SipResponse): void {
    if (this.state === "completed" || this.state === "terminated") return;
    this.last = response;
    this.trySend(response, () => {
      this.transition("terminated");
      this.user.onTimeout?.("transport");
    });
    if ((this.state as NistState) === "terminated") return;
    if (response.status >= 200) this.transition("completed");
    else if (this.state === "trying") this.transition("proceeding");
  }

  protected enter(state: NistState): void {
    switch (state) {
      case "completed":
        this.terminateAfter("J", this.options.timers.J);
        return;
      case "terminated":
        this.user.onTerminated?.();
        return;
      default:
        return;
    }
  }

  receiveRequest(_request: SipRequest): boolean {
    if ((this.state === "proceeding" || this.state === "completed") && this.last) this.trySend(this.last, () => undefined);
    return true;
  }
}
