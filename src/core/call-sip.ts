/**
 * The SIP side of one REST call: where the call goes (`sipOutboundProxy`, else `sipDomain`, on
 * `sipPort`), which local address reaches it (the one the OS routes through, so SDP and Contact
 * carry an address the far end can answer), and a user agent with the call's account on a transport
 * (UDP by default, TCP when asked): a port of its own, or its view of the shared `sip.port`. Each
 * call has its own account, so its own agent.
 */
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { SharedSipTransport } from "../sip/transport/shared.ts";
import { TcpTransport } from "../sip/transport/tcp.ts";
import { UdpTransport } from "../sip/transport/udp.ts";
import type { SipTransport } from "../sip/transport/transport.ts";
import type { TimerSettings } from "../sip/transaction/timers.ts";
import { UserAgent } from "../sip/user-agent/user-agent.ts";
import { errorMessage, TranspondError } from "../errors.ts";
import type { CallRequest } from "./call-types.ts";

export interface SipAccount {
  readonly ua: UserAgent;
  readonly transport: SipTransport;
  /** our address as the far end sees it (SDP c=, Contact) */
  readonly localAddress: string;
  /** the address the call goes to */
  readonly remoteAddress: string;
  close(): Promise<void>;
}

/** Resolves a host to an address (an IP literal is returned as is). */
export async function resolveAddress(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return bare;
  try {
    return (await lookup(bare)).address;
  } catch (err) {
    throw new TranspondError("ERR_CALL_RESOLVE", `SIP host ${host} cannot be resolved`, { cause: err });
  }
}

/** The local address the OS would send from to reach `address` (a connected UDP socket; nothing is sent). */
export function localAddressFor(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
    socket.once("error", (err) => {
      socket.close();
      reject(new TranspondError("ERR_CALL_ROUTE", `no route to ${address}`, { cause: err }));
    });
    socket.connect(port, address, () => {
      const local = socket.address().address;
      socket.close();
      resolve(local);
    });
  });
}

/** Splits `host[:port]` (IPv6 in brackets). */
export function hostOf(value: string): string {
  const v = value.replace(/^sips?:/i, "").replace(/;.*$/, "");
  if (v.startsWith("[")) return v.slice(0, v.indexOf("]") + 1);
  const colon = v.indexOf(":");
  return colon < 0 ? v : v.slice(0, colon);
}

function withPort(host: string, port: number): string {
  return port === 5060 ? host : `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

type SipProtocol = "UDP" | "TCP";

function listen(protocol: SipProtocol, host: string, port: number): Promise<SipTransport> {
  return protocol === "TCP" ? TcpTransport.listen(host, port) : UdpTransport.listen(host, port);
}

/**
 * Where calls get their SIP transport. With `sip.port` 0 each call listens on a port the OS picks;
 * otherwise every call shares one socket per protocol on that port (bound to `bind_address`), opened
 * with the first call and closed with the last.
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
            throw new TranspondError("ERR_SIP_PORT", `sip.port ${this.#port} (${protocol}) cannot be opened on ${this.#bindAddress}: ${errorMessage(err)}`, { cause: err });
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

export async function openSipAccount(request: CallRequest, ports: SipPorts, timers?: Partial<TimerSettings>): Promise<SipAccount> {
  const proxy = request.sipOutboundProxy ? hostOf(request.sipOutboundProxy) : undefined;
  const next = proxy ?? hostOf(request.sipDomain);
  const remoteAddress = await resolveAddress(next);
  const localAddress = await localAddressFor(remoteAddress, request.sipPort);
  const transport = await ports.open(request.sipTransport === "TCP" ? "TCP" : "UDP", localAddress);
  const domain = proxy ? request.sipDomain : withPort(request.sipDomain, request.sipPort);
  const ua = new UserAgent({
    transport,
    user: request.sipLogin,
    domain,
    ...(request.sipPassword !== undefined ? { password: request.sipPassword } : {}),
    ...(request.sipAuthenticationName ? { authUser: request.sipAuthenticationName } : {}),
    ...(request.visibleName ? { displayName: request.visibleName } : {}),
    ...(proxy ? { outboundProxy: withPort(proxy, request.sipPort) } : {}),
    ...(timers ? { timers } : {}),
  });
  return {
    ua,
    transport,
    localAddress,
    remoteAddress,
    close: async () => {
      ua.dispose();
      await transport.close();
    },
  };
}
