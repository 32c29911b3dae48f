/**
 * Link-layer framing of captured packets, down to the IP datagram.
 *
 * - Ethernet (LINKTYPE 1): dst 6 | src 6 | EtherType 2, with 802.1Q / 802.1ad tags
 *   (0x8100, 0x88A8, 0x9100: TCI 2 | EtherType 2) stacked before the real EtherType.
 * - Linux cooked SLL (113): packet type 2 | ARPHRD 2 | address length 2 | address 8 | protocol 2.
 * - Linux cooked SLL2 (276): protocol 2 | reserved 2 | interface index 4 | ARPHRD 2 |
 *   packet type 1 | address length 1 | address 8.
 * - BSD null (0): a 4-byte address family in the capturing host's byte order; LOOP (108): the same
 *   in network byte order. AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD),
 *   28 (FreeBSD), 30 (macOS).
 * - Raw IP (101; 228 IPv4 only; 229 IPv6 only): the datagram itself.
 */
import { LINKTYPE } from "./capture-file.ts";

export type NetworkProtocol = "ipv4" | "ipv6";

export interface LinkPayload {
  readonly network: NetworkProtocol;
  /** the bytes after the link header (the IP datagram, possibly with trailing padding) */
  readonly payload: Uint8Array;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);
const MAX_VLAN_TAGS = 4;

/** Strips the link header; undefined when the packet is not IPv4/IPv6 or is too short. */
export function decodeLink(linkType: number, data: Uint8Array): LinkPayload | undefined {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return decodeEthernet(data);
    case LINKTYPE.LINUX_SLL:
      return data.length >= 16 ? byEtherType(u16(data, 14), data.subarray(16)) : undefined;
    case LINKTYPE.LINUX_SLL2:
      return data.length >= 20 ? byEtherType(u16(data, 0), data.subarray(20)) : undefined;
    case LINKTYPE.NULL: {
      if (data.length < 4) return undefined;
      // Host byte order of the machine that captured: a family fits in the low 16 bits either way.
      const le = data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
      const family = (le >>> 0) > 0xffff ? u32(data, 0) : le;
      return byFamily(family, data.subarray(4));
    }
    case LINKTYPE.LOOP:
      return data.length >= 4 ? byFamily(u32(data, 0), data.subarray(4)) : undefined;
    case LINKTYPE.RAW:
      return byVersion(data);
    case LINKTYPE.IPV4:
      return { network: "ipv4", payload: data };
    case LINKTYPE.IPV6:
      return { network: "ipv6", payload: data };
    default:
      return undefined;
  }
}

function decodeEthernet(data: Uint8Array): LinkPayload | undefined {
  if (data.length < 14) return undefined;
  let offset = 12;
  let etherType = u16(data, offset);
  for (let tags = 0; VLAN_TAGS.has(etherType) && tags < MAX_VLAN_TAGS; tags++) {
    offset += 4;
    if (offset + 2 > data.length) return undefined;
    etherType = u16(data, offset);
  }
  return byEtherType(etherType, data.subarray(offset + 2));
}

function byEtherType(etherType: number, payload: Uint8Array): LinkPayload | undefined {
  if (etherType === ETHERTYPE_IPV4) return { network: "ipv4", payload };
  if (etherType === ETHERTYPE_IPV6) return { network: "ipv6", payload };
  return undefined;
}

function byFamily(family: number, payload: Uint8Array): LinkPayload | undefined {
  if (family === AF_INET) return { network: "ipv4", payload };
  if (AF_INET6.has(family)) return { network: "ipv6", payload };
  return undefined;
}

function byVersion(data: Uint8Array): LinkPayload | undefined {
  if (data.length < 1) return undefined;
  const version = data[0]! >> 4;
  if (version === 4) return { network: "ipv4", payload: data };
  if (version === 6) return { network: "ipv6", payload: data };
  return undefined;
}

function u16(data: Uint8Array, offset: number): number {
  return (data[offset]! << 8) | data[offset + 1]!;
}

function u32(data: Uint8Array, offset: number): number {
  return ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0;
}
