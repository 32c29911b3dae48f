import { errorMessage } from "../../errors.ts";
import { SIP_ERR, SipError } from "../errors.ts";
import { SharedSipTransport } from "./shared.ts";
import { TcpTransport } from "./tcp.ts";
import type { SipTransport } from "./transport.ts";
import { UdpTransport } from "./udp.ts";

export type SipProtocol = "UDP" | "TCP";

function listen(protocol: SipProtocol, host: string, port: number): Promise<SipTransport> {
  return protocol === "TCP" ? TcpTransport.listen(host, port) : UdpTransport.listen(host, port);
}

/**
 * The SIP port pool: where user agents (one per call) get their transport. With port 0 each one
 * listens on a port the OS picks; otherwise all share one socket per protocol on that port (bound to
 * `bindAddress`), opened with the first and closed with the last.
 */
export class SipPorts {
  readonly #bindAddress: string;
  readonly #port: number;
  readonly #shared = new Map<SipProtocol, Promise<SharedSipTransport>>();
  readonly #closing = new Map<SipProtocol, Promise<void>>();

  constructor(bindAddress: string, port: number) {
    this.#bindAddress = bindAddress;
    this.#port = port;
  }

  async open(protocol: SipProtocol, localAddress: string): Promise<SipTransport> {
    if (this.#port === 0) return listen(protocol, localAddress, 0);
    for (;;) {
      await this.#closing.get(protocol);
      let shared = this.#shared.get(protocol);
      if (!shared) {
        shared = listen(protocol, this.#bindAddress, this.#port).then(
          (t) => new SharedSipTransport(t, () => this.#release(protocol, t)),
          (err: unknown) => {
            throw new SipError(SIP_ERR.PORT, `sip.port ${this.#port} (${protocol}) cannot be opened on ${this.#bindAddress}: ${errorMessage(err)}`, { cause: err });
          },
        );
        this.#shared.set(protocol, shared);
        shared.catch(() => this.#shared.get(protocol) === shared && this.#shared.delete(protocol)); // the next call tries to listen again
      }
      const transport = await shared;
      // the last call may have ended (and the socket begun closing) while this one waited
      if (this.#shared.get(protocol) === shared) return transport.view(localAddress);
    }
  }

  #release(protocol: SipProtocol, transport: SipTransport): void {
    this.#shared.delete(protocol);
    this.#closing.set(protocol, transport.close().catch(() => undefined));
  }
}
