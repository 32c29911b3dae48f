/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) datagrams out of captured packets.
 *
 * IPv4: version 4 | IHL 4 | TOS 8 | total length 16 | identification 16 | flags 3 | fragment offset 13 |
 * TTL 8 | protocol 8 | checksum 16 | source 32 | destination 32 | options (IHL*4 - 20).
 * A total length of 0 (segmentation offload on the capturing host) means "the rest of the packet".
 *
 * IPv6: version 4 | class 8 | flow 20 | payload length 16 | next header 8 | hop limit 8 | source 128 |
 * destination 128, then extension headers: hop-by-hop (0), routing (43), destination options (60),
 * fragment (44, 8 bytes), AH (51, (len+2)*4 bytes); ESP (50) and "no next header" (59) end the walk.
 *
 * Fragments (IPv4 MF/offset, IPv6 fragment header) are put back together when every piece is in the
 * capture; the datagram then carries the frame and time of its last fragment, as Wireshark does.
 * Checksums are not verified (captures taken on the sending host carry offloaded, wrong ones).
 */
import type { CapturedPacket } from "./capture-file.ts";
import { decodeLink, type NetworkProtocol } from "./link.ts";
import { MAX_FRAGMENTS_PER_DATAGRAM, MAX_REASSEMBLED_BYTES } from "./limits.ts";

export const IP_PROTOCOL = { TCP: 6, UDP: 17 } as const;

/** A whole IP datagram (reassembled when it came in fragments). */
export interface IpDatagram {
  readonly frame: number;
  readonly time: number;
  readonly version: 4 | 6;
  /** dotted IPv4 or RFC 5952 IPv6 text, as Wireshark shows it */
  readonly src: string;
  readonly dst: string;
  /** upper-layer protocol number (6 TCP, 17 UDP) */
  readonly protocol: number;
  readonly payload: Uint8Array;
}

/** One decoded IP packet: whole, or a fragment waiting for the rest. */
export interface IpPacket extends IpDatagram {
  /** present when this packet is a fragment: byte offset of its payload and whether more follow */
  readonly fragment?: { readonly id: number; readonly offset: number; readonly more: boolean };
}

/** Decodes one IP packet; undefined when it is cut short or malformed. */
export function decodeIp(network: NetworkProtocol, data: Uint8Array, frame = 0, time = 0): IpPacket | undefined {
  return network === "ipv4" ? decodeIpv4(data, frame, time) : decodeIpv6(data, frame, time);
}

function decodeIpv4(data: Uint8Array, frame: number, time: number): IpPacket | undefined {
  if (data.length < 20 || data[0]! >> 4 !== 4) return undefined;
  const headerLength = (data[0]! & 0x0f) * 4;
  let totalLength = u16(data, 2);
  if (totalLength === 0) totalLength = data.length;
  if (headerLength < 20 || totalLength < headerLength || totalLength > data.length) return undefined;
  const flagsOffset = u16(data, 6);
  const more = (flagsOffset & 0x2000) !== 0;
  const offset = (flagsOffset & 0x1fff) * 8;
  const packet: IpPacket = {
    frame,
    time,
    version: 4,
    src: `${data[12]}.${data[13]}.${data[14]}.${data[15]}`,
    dst: `${data[16]}.${data[17]}.${data[18]}.${data[19]}`,
    protocol: data[9]!,
    payload: data.subarray(headerLength, totalLength),
  };
  return more || offset > 0 ? { ...packet, fragment: { id: u16(data, 4), offset, more } } : packet;
}

function decodeIpv6(data: Uint8Array, frame: number, time: number): IpPacket | undefined {
  if (data.length < 40 || data[0]! >> 4 !== 6) return undefined;
  const payloadLength = u16(data, 4);
  const end = payloadLength === 0 ? data.length : 40 + payloadLength; // 0: jumbogram, take the rest
  if (end > data.length) return undefined;
  let next = data[6]!;
  let at = 40;
  let fragment: IpPacket["fragment"];
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (at + 8 > end) return undefined;
      const following = data[at]!;
      at += (data[at + 1]! + 1) * 8;
      next = following;
    } else if (next === 44) {
      if (at + 8 > end) return undefined;
      const following = data[at]!;
      const offsetFlags = u16(data, at + 2);
      fragment = { id: u32(data, at + 4), offset: offsetFlags & 0xfff8, more: (offsetFlags & 1) !== 0 };
      if (fragment.offset === 0 && !fragment.more) fragment = undefined; // atomic fragment
      at += 8;
      next = following;
    } else if (next === 51) {
      if (at + 8 > end) return undefined;
      const following = data[at]!;
      at += (data[at + 1]! + 2) * 4;
      next = following;
    } else {
      break;
    }
    if (at > end) return undefined;
  }
  const packet: IpPacket = {
    frame,
    time,
    version: 6,
    src: ipv6Text(data.subarray(8, 24)),
    dst: ipv6Text(data.subarray(24, 40)),
    protocol: next,
    payload: data.subarray(at, end),
  };
  return fragment ? { ...packet, fragment } : packet;
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function ipv6Text(address: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

interface PendingDatagram {
  readonly pieces: { offset: number; data: Uint8Array }[];
  totalLength: number | undefined;
}

/**
 * Every IP datagram in the packets, in capture order; fragments are reassembled when complete and
 * dropped when a piece is missing. Packets that are not IP, or are cut short, are skipped.
 */
export function ipDatagrams(packets: readonly CapturedPacket[]): IpDatagram[] {
  const out: IpDatagram[] = [];
  const pending = new Map<string, PendingDatagram>();
  for (const packet of packets) {
    const link = decodeLink(packet.linkType, packet.data);
    if (!link) continue;
    const ip = decodeIp(link.network, link.payload, packet.frame, packet.time);
    if (!ip) continue;
    if (!ip.fragment) {
      out.push(ip);
      continue;
    }
    const key = `${ip.version}|${ip.src}|${ip.dst}|${ip.protocol}|${ip.fragment.id}`;
    let entry = pending.get(key);
    if (!entry) {
      entry = { pieces: [], totalLength: undefined };
      pending.set(key, entry);
    }
    if (entry.pieces.length >= MAX_FRAGMENTS_PER_DATAGRAM) continue;
    entry.pieces.push({ offset: ip.fragment.offset, data: ip.payload });
    if (!ip.fragment.more) entry.totalLength = ip.fragment.offset + ip.payload.length;
    const whole = reassemble(entry);
    if (whole) {
      pending.delete(key);
      const { fragment: _fragment, ...rest } = ip;
      out.push({ ...rest, payload: whole });
    }
  }
  return out;
}

function reassemble(entry: PendingDatagram): Uint8Array | undefined {
  const total = entry.totalLength;
  if (total === undefined || total > MAX_REASSEMBLED_BYTES) return undefined;
  const sorted = [...entry.pieces].sort((a, b) => a.offset - b.offset);
  let covered = 0;
  for (const piece of sorted) {
    if (piece.offset > covered) return undefined;
    covered = Math.max(covered, piece.offset + piece.data.length);
  }
  if (covered < total) return undefined;
  const out = new Uint8Array(total);
  // Later pieces are written first so the first copy of overlapping bytes wins.
  for (const piece of [...entry.pieces].reverse()) {
    if (piece.offset >= total) continue;
    out.set(piece.data.subarray(0, Math.max(0, total - piece.offset)), piece.offset);
  }
  return out;
}

function u16(data: Uint8Array, offset: number): number {
  return (data[offset]! << 8) | data[offset + 1]!;
}

function u32(data: Uint8Array, offset: number): number {
  return ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0;
}
