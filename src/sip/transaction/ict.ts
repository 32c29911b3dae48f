/**
 * INVITE client transaction (RFC 3261 17.1.1, Figure 5; RFC 6026 7.2 adds "accepted"):
 *
 *   calling --1xx--> proceeding --2xx--> accepted --Timer M--> terminated
 *   calling/proceeding --300-699 (send ACK)--> completed --Timer D--> terminated
 *   calling --Timer B / transport error--> terminated
 *
 * Over UDP the INVITE is resent on Timer A (T1, 2*T1, 4*T1, ...) while calling. The ACK for a
 * non-2xx final response is built here (17.1.1.3); the ACK for 2xx belongs to the TU (13.2.2.4).
 */
import type { SipRequest, SipResponse } from "../messages.ts";
import { decodeCSeq, encodeCSeq } from "../headers/cseq.ts";
import { headerValue, headerValues } from "../message/headers.ts";
import { Transaction, topViaOf, type TransactionOptions } from "./base.ts";

export type IctState = "calling" | "proceeding" | "accepted" | "completed" | "terminated";

const TABLE: Record<IctState, readonly IctState[]> = {
  calling: ["proceeding", "accepted", "completed", "terminated"],
  proceeding: ["accepted", "completed", "terminated"],
  accepted: ["terminated"],
  completed: ["terminated"],
  terminated: [],
};

export interface ClientTransactionUser {
  /** Every response the TU must see: provisional, final, and 2xx retransmissions while accepted. */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired, or the transport failed (17.1.4); the TU treats it as 408 / 503. */
  onTimeout(reason: "timeout" | "transport"): void;
  onTerminated?(): void;
}

export class InviteClientTransaction extends Transaction<IctState> {
  private interval: number;

  constructor(readonly request: SipRequest, options: TransactionOptions, private readonly user: ClientTransactionUser) {
    super(options, "calling", TABLE, topViaOf(request));
    this.interval = options.timers.A;
  }

  /** Sends the INVITE and starts Timers A (UDP) and B. */
  start(): void {
    this.enter("calling");
  }

  protected enter(state: IctState): void {
    const t = this.options.timers;
    switch (state) {
      case "calling":
        this.trySend(this.request, () => this.fail("transport"));
        if (this.state !== "calling") return;
        if (!this.options.reliable) this.startTimer("A", this.interval, () => this.retransmit());
        this.startTimer("B", t.B, () => this.fail("timeout"));
        return;
      case "accepted":
        this.startTimer("M", t.M, () => this.transition("terminated"));
        return;
      case "completed":
        this.terminateAfter("D", t.D);
        return;
      case "terminated":
        this.user.onTerminated?.();
        return;
      case "proceeding":
        return;
    }
  }

  private retransmit(): void {
    this.trySend(this.request, () => this.fail("transport"));
    if (this.state !== "calling") return;
    this.interval *= 2;
    this.startTimer("A", this.interval, () => this.retransmit());
  }

  private fail(reason: "timeout" | "transport"): void {
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onTimeout(reason);
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case "calling":
      case "proceeding":
        if (status < 200) {
          if (this.state === "calling") this.transition("proceeding");
          this.user.onResponse(response);
        } else if (status < 300) {
          this.transition("accepted");
          this.user.onResponse(response);
        } else {
          this.sendAck(response);
          this.transition("completed");
          this.user.onResponse(response);
        }
        return;
      case "accepted":
        if (status >= 200 && status < 300) this.user.onResponse(response);
        return;
      case "completed":
        if (status >= 300) this.sendAck(response);
        return;
      case "terminated":
        return;
    }
  }

  private sendAck(response: SipResponse): void {
    this.trySend(ackForNon2xx(this.request, response), () => undefined);
  }
}

/** The ACK of 17.1.1.3: same Request-URI, Call-ID, From, CSeq number and top Via; To from the response; Route kept. */
export function ackForNon2xx(request: SipRequest, response: SipResponse): SipRequest {
  const { seq } = decodeCSeq(headerValue(request, "CSeq") ?? "");
  const headers = [
    { name: "Via", value: topViaOf(request) },
    ...headerValues(request, "Route").map((value) => ({ name: "Route", value })),
    { name: "Max-Forwards", value: "70" },
    { name: "From", value: headerValue(request, "From") ?? "" },
    { name: "To", value: headerValue(response, "To") ?? "" },
    { name: "Call-ID", value: headerValue(request, "Call-ID") ?? "" },
    { name: "CSeq", value: encodeCSeq({ seq, method: "ACK" }) },
  ];
  return { type: "request", method: "ACK", uri: request.uri, headers, body: new Uint8Array(0) };
}
