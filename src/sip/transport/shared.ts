/**
 * One SIP transport on a fixed local port (`sip.port`) shared by several user agents, one per call.
 * Each user agent gets a view: the same protocol, port and socket, its own local host (the address
 * that routes to its far end) and its own delegate. An incoming message goes to the view that sent
 * a message with the same Call-ID; any other request (a proxy's OPTIONS, a new INVITE) goes to the
 * oldest view, whose user agent answers it as it would on a transport of its own. Responses nobody
 * asked for are dropped (RFC 3261 18.1.2).
 */
import { headerValue } from "../message/headers.ts";
import type { SipMessage } from "../messages.ts";
import type { Endpoint, SipTransport, SipTransportDelegate } from "./transport.ts";

export class SharedSipTransport {
  readonly #transport: SipTransport;
  readonly #onEmpty: () => void;
  readonly #views = new Set<SharedTransportView>();
  readonly #byCallId = new Map<string, SharedTransportView>();

  /** `onEmpty` runs when the last view closes (the owner closes the transport). */
  constructor(transport: SipTransport, onEmpty: () => void) {
    this.#transport = transport;
    this.#onEmpty = onEmpty;
    transport.attach({
      onMessage: (message, from) => this.#route(message)?.delegate?.onMessage(message, from),
      onParseError: (error, bytes, from) => this.#oldest()?.delegate?.onParseError?.(error, bytes, from),
    });
  }

  get transport(): SipTransport {
    return this.#transport;
  }

  /** A transport for one user agent; `host` is the local address its messages carry. */
  view(host: string): SipTransport {
    const view = new SharedTransportView(this, { host, port: this.#transport.local.port });
    this.#views.add(view);
    return view;
  }

  /** @internal the view sending `message` owns its Call-ID from now on */
  sendFrom(view: SharedTransportView, message: SipMessage, to: Endpoint): void {
    const callId = headerValue(message, "Call-ID");
    if (callId && !this.#byCallId.has(callId)) this.#byCallId.set(callId, view);
    this.#transport.send(message, to);
  }

  /** @internal */
  release(view: SharedTransportView): void {
    if (!this.#views.delete(view)) return;
    for (const [callId, owner] of this.#byCallId) if (owner === view) this.#byCallId.delete(callId);
    if (this.#views.size === 0) this.#onEmpty();
  }

  #route(message: SipMessage): SharedTransportView | undefined {
    const callId = headerValue(message, "Call-ID");
    const owner = callId === undefined ? undefined : this.#byCallId.get(callId);
    if (owner) return owner;
    return message.type === "request" ? this.#oldest() : undefined;
  }

  #oldest(): SharedTransportView | undefined {
    return this.#views.values().next().value;
  }
}

class SharedTransportView implements SipTransport {
  delegate: SipTransportDelegate | undefined;
  readonly #shared: SharedSipTransport;

  constructor(
    shared: SharedSipTransport,
    readonly local: Endpoint,
  ) {
    this.#shared = shared;
  }

  get protocol(): "UDP" | "TCP" {
    return this.#shared.transport.protocol;
  }

  get reliable(): boolean {
    return this.#shared.transport.reliable;
  }

  attach(delegate: SipTransportDelegate): void {
    this.delegate = delegate;
  }

  send(message: SipMessage, to: Endpoint): void {
    this.#shared.sendFrom(this, message, to);
  }

  async close(): Promise<void> {
    this.#shared.release(this);
  }
}

