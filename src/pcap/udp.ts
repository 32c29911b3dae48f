/**
 * UDP datagrams (RFC 768): source port 16 | destination port 16 | length 16 | checksum 16 | payload.
 * The length field bounds the payload (Ethernet padding after it is dropped); a length of 0 over
 * IPv6 (jumbogram) means the rest of the IP payload. A datagram whose length field runs past the
 * captured bytes is skipped.
 */
import type { CapturedPacket } from "./capture-file.ts";
import { IP_PROTOCOL, ipDatagrams, type IpDatagram } from "./ip.ts";

export interface UdpDatagram {
  /** frame number of the (last) packet that carried it */
  readonly frame: number;
  readonly time: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** Decodes the UDP header of one IP datagram; undefined when it is not UDP or is cut short. */
export function decodeUdp(ip: IpDatagram): UdpDatagram | undefined {
  const data = ip.payload;
  if (ip.protocol !== IP_PROTOCOL.UDP || data.length < 8) return undefined;
  const length = (data[4]! << 8) | data[5]!;
  const end = length === 0 && ip.version === 6 ? data.length : length;
  if (end < 8 || end > data.length) return undefined;
  return {
    frame: ip.frame,
    time: ip.time,
    src: ip.src,
    srcPort: (data[0]! << 8) | data[1]!,
    dst: ip.dst,
    dstPort: (data[2]! << 8) | data[3]!,
    payload: data.subarray(8, end),
  };
}

/** Every UDP datagram in the packets, in capture order (IP fragments reassembled). */
export function udpDatagrams(packets: readonly CapturedPacket[]): UdpDatagram[] {
  const out: UdpDatagram[] = [];
  for (const ip of ipDatagrams(packets)) {
    const udp = decodeUdp(ip);
    if (udp) out.push(udp);
  }
  return out;
}
