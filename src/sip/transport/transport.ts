/**
 * The seam between the SIP core and the network (SIP.js `core/transport.ts`): a protocol name,
 * whether it is reliable, the local address, and `send`. Incoming messages and parse failures go to
 * one delegate attached by the core. Also the RFC 3261 18.2 rules every transport shares.
 */
import type { ParseError } from "../../errors.ts";
import type { SipMessage, SipRequest } from "../messages.ts";
import { headerValue, replaceHeader, headerValues } from "../message/headers.ts";
import { decodeVia, encodeVia } from "../headers/via.ts";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface SipTransportDelegate {
  onMessage(message: SipMessage, from: Endpoint): void;
  /** A datagram or stream that did not parse; the core answers 400 to a request when it can. */
  onParseError?(error: ParseError, bytes: Uint8Array, from: Endpoint): void;
}

export interface SipTransport {
  readonly protocol: "UDP" | "TCP";
  readonly reliable: boolean;
  readonly local: Endpoint;
  attach(delegate: SipTransportDelegate): void;
  /** Sends or throws (TranspondError ERR_SIP_TRANSPORT) when it cannot. */
  send(message: SipMessage, to: Endpoint): void;
  close(): Promise<void>;
}

/**
 * RFC 3261 18.2.1 and RFC 3581 4: a server adds `received` to the top Via when the sent-by host is
 * not the packet's source address, and fills an empty `rport` with the source port.
 */
export function stampVia(request: SipRequest, from: Endpoint): SipRequest {
  const vias = headerValues(request, "Via");
  if (vias.length === 0) return request;
  const top = decodeVia(vias[0]);
  const params = { ...top.params };
  let changed = false;
  if (top.host !== from.host) {
    params.received = from.host;
    changed = true;
  }
  if ("rport" in params && params.rport === null) {
    params.rport = String(from.port);
    params.received = from.host;
    changed = true;
  }
  if (!changed) return request;
  return replaceHeader(request, "Via", [encodeVia({ ...top, params }), ...vias.slice(1)]);
}

/**
 * Where a response goes over an unreliable transport (RFC 3261 18.2.2, RFC 3581 4): to `received`
 * (or the sent-by host) at `rport` (or the sent-by port, or 5060). `maddr` is not supported.
 */
export function responseDestination(response: SipMessage): Endpoint | undefined {
  const top = headerValue(response, "Via");
  if (!top) return undefined;
  const via = decodeVia(top);
  const host = via.params.received ?? via.host.replace(/^\[|\]$/g, "");
  const rport = via.params.rport;
  const port = rport ? Number(rport) : (via.port ?? 5060);
  return { host, port };
}
