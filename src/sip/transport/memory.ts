/**
 * An in-memory transport pair for tests and embedding: what one side sends is encoded, decoded
 * (so the parser runs) and delivered to the other on a later tick. `tap` sees every message sent
 * and may drop it (return false), which is how tests lose packets.
 */
import { ParseError } from "../../errors.ts";
import type { SipMessage } from "../messages.ts";
import { decodeSipMessage } from "../message/parse.ts";
import { encodeSipMessage } from "../message/serialize.ts";
import { stampVia, type Endpoint, type SipTransport, type SipTransportDelegate } from "./transport.ts";

export type Tap = (message: SipMessage, from: Endpoint, to: Endpoint) => boolean | void;

export class MemoryTransport implements SipTransport {
  readonly protocol: "UDP" | "TCP";
  private delegate: SipTransportDelegate | undefined;
  peer: MemoryTransport | undefined;
  readonly sent: SipMessage[] = [];
  tap: Tap | undefined;
  private closed = false;

  constructor(readonly local: Endpoint, readonly reliable: boolean) {
    this.protocol = reliable ? "TCP" : "UDP";
  }

  attach(delegate: SipTransportDelegate): void {
    this.delegate = delegate;
  }

  send(message: SipMessage, to: Endpoint): void {
    this.sent.push(message);
    if (this.tap?.(message, this.local, to) === false) return;
    const bytes = encodeSipMessage(message);
    const peer = this.peer;
    if (!peer || peer.local.port !== to.port) return;
    setImmediate(() => peer.deliver(bytes, this.local));
  }

  /** Feeds raw bytes as if they came from `from` (used for malformed input). */
  deliver(bytes: Uint8Array, from: Endpoint): void {
    if (this.closed) return;
    try {
      const message = decodeSipMessage(bytes);
      this.delegate?.onMessage(message.type === "request" ? stampVia(message, from) : message, from);
    } catch (err) {
      if (err instanceof ParseError) this.delegate?.onParseError?.(err, bytes, from);
      else throw err;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export function createMemoryTransportPair(reliable = false): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport({ host: "127.0.0.1", port: 5070 }, reliable);
  const b = new MemoryTransport({ host: "127.0.0.1", port: 5080 }, reliable);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
