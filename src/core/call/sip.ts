/**
 * The SIP side of one REST call: where the call goes (`sipOutboundProxy`, else `sipDomain`, on
 * `sipPort`), which local address reaches it (the one the OS routes through, so SDP and Contact
 * carry an address the far end can answer), and a user agent with the call's account on a transport
 * (UDP by default, TCP when asked) from the SIP port pool. Each
 * call has its own account, so its own agent.
 */
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { SipPorts } from "../../sip/transport/ports.ts";
import { decodeSipUri } from "../../sip/headers/uri.ts";
import type { SipTransport } from "../../sip/transport/transport.ts";
import type { TimerSettings } from "../../sip/transaction/timers.ts";
import { UserAgent } from "../../sip/user-agent/user-agent.ts";
import { CORE_ERR, CoreError } from "../errors.ts";
import type { CallRequest } from "./types.ts";

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
    throw new CoreError(CORE_ERR.CALL_RESOLVE, `SIP host ${host} cannot be resolved`, { cause: err });
  }
}

/** The local address the OS would send from to reach `address` (a connected UDP socket; nothing is sent). */
export function localAddressFor(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
    socket.once("error", (err) => {
      socket.close();
      reject(new CoreError(CORE_ERR.CALL_ROUTE, `no route to ${address}`, { cause: err }));
    });
    socket.connect(port, address, () => {
      const local = socket.address().address;
      socket.close();
      resolve(local);
    });
  });
}

/** The host of `host[:port]` or a SIP URI (IPv6 in brackets); a ParseError SIP_PARSE_ERR.URI when it is neither. */
export function hostOf(value: string): string {
  return decodeSipUri(/^sips?:/i.test(value) ? value : `sip:${value}`).host;
}

function withPort(host: string, port: number): string {
  return port === 5060 ? host : `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
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
