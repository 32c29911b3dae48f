/** A scripted far end on the other side of an in-memory transport pair, built on our own core. */
import { SipCore, type ServerTransaction } from "../../../src/sip/user-agent/core.ts";
import type { MemoryTransport } from "../../../src/sip/transport/memory.ts";
import type { SipRequest, SipResponse } from "../../../src/sip/messages.ts";
import type { Clock } from "../../../src/clock.ts";

export type Script = (request: SipRequest, tx: ServerTransaction, core: SipCore) => void;

export class FarEnd {
  readonly core: SipCore;
  readonly requests: SipRequest[] = [];
  readonly acks: SipRequest[] = [];
  readonly cancels: ServerTransaction[] = [];
  script: Script = (req, tx, core) => tx.respond(core.createResponse(req, 200, { toTag: "far" }));

  constructor(transport: MemoryTransport, clock?: Clock) {
    let n = 0;
    this.core = new SipCore({ transport, ...(clock ? { clock } : {}), random: () => `far${++n}`, userAgent: "FarEnd" });
    this.core.attach({
      onRequest: (req, tx) => {
        this.requests.push(req);
        this.script(req, tx, this.core);
      },
      onAck: (req) => this.acks.push(req),
      onCancel: (invite) => {
        this.cancels.push(invite);
        invite.respond(this.core.createResponse(invite.request, 487, { toTag: "far" }));
      },
      onStray2xx: (_r: SipResponse) => undefined,
    });
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }
}

/** Lets setImmediate deliveries and promise chains run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
