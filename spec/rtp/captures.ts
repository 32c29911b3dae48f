/**
 * RTP test helpers: the UDP datagrams of a capture (via src/pcap) and the list of RTP/RTCP captures
 * with how tshark has to be told to see them.
 */
import { readFileSync } from "node:fs";
import { readCapture, udpDatagrams, type UdpDatagram } from "../../src/pcap/index.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";

export const STR0M = "rtp_webrtc_h264_stapa-fua_hdrext_str0m.pcap";
export const BASELINE = "rtp_h264_baseline-640x480_fua_pt96_no-signalling.pcap";
export const IPDECT = "sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap";
export const RTCP_COMPOUND = "rtcp_compound_multiple-packets-per-datagram.pcap";

/** Captures holding RTP (and some RTCP), with the telephone-event payload type where there is one. */
export const RTP_CAPTURES: readonly { readonly name: string; readonly eventPt?: number }[] = [
  { name: STR0M },
  { name: BASELINE },
  { name: "rtp_pcma_sipp-bundled_30ms.pcap" },
  ...["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "star", "pound"].map((d) => ({ name: `rtp_rfc2833_sipp_${d}.pcap`, eventPt: 101 })),
  { name: "sip_rtp_magicjack_invite401_183-early-media_pcmu.pcap", eventPt: 101 },
  { name: IPDECT, eventPt: 96 },
  { name: "sip_rtp_sipp-freeswitch1.6_opus48k.pcap" },
  { name: "sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap" },
  { name: "sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", eventPt: 101 },
  { name: "sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap" },
  { name: "sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap", eventPt: 101 },
];

/** tshark options that find RTP and RTCP without signalling. */
export const HEURISTICS: readonly string[] = ["-o", "rtp.heuristic_rtp:TRUE", "-o", "rtcp.heuristic_rtcp:TRUE"];

/** The path of a capture: fixtures/ when copied there, else ../shared/fixtures (undefined when absent). */
export function capturePath(name: string): string | undefined {
  try {
    return fixture(name);
  } catch {
    return sharedFixture(name);
  }
}

export function datagrams(path: string): UdpDatagram[] {
  return udpDatagrams(readCapture(new Uint8Array(readFileSync(path))));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
