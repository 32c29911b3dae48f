/**
 * Reading packet captures (pcap, pcapng) down to UDP datagrams and reassembled TCP streams, for
 * `transpond trace` and for tests that check protocol code against captured traffic.
 */
export { readCapture, LINKTYPE, type CapturedPacket } from "./capture-file.ts";
export { decodeLink, type LinkPayload, type NetworkProtocol } from "./link.ts";
export { decodeIp, ipDatagrams, ipv6Text, IP_PROTOCOL, type IpDatagram, type IpPacket } from "./ip.ts";
export { decodeUdp, udpDatagrams, type UdpDatagram } from "./udp.ts";
export {
  decodeTcp,
  tcpSegments,
  tcpStreams,
  type TcpDirection,
  type TcpEndpoint,
  type TcpFlags,
  type TcpGap,
  type TcpSegment,
  type TcpStream,
  type TcpStreamSegment,
} from "./tcp.ts";
export { PCAP_ERR, type PcapErrorCode } from "./errors.ts";
