import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeIp, decodeUdp, readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { tsharkFields } from "../support/tshark.ts";
import { bytes, concat, ipv4, udp } from "./support/build.ts";

const unit = suite("pcap/udp");

unit("bounds the payload by the UDP length field", () => {
  const ip = decodeIp("ipv4", concat(ipv4(concat(udp(1234, 5678, bytes(1, 2, 3)), bytes(0, 0)))))!;
  // The IP payload has two extra bytes after the UDP datagram; the UDP length leaves them out.
  const datagram = decodeUdp(ip)!;
  assert.equal(Array.from(datagram.payload), [1, 2, 3]);
  assert.is(datagram.srcPort, 1234);
  assert.is(datagram.dstPort, 5678);
});

unit("skips a datagram whose length field runs past the packet or is below 8", () => {
  const long = udp(1, 2, bytes(1, 2, 3));
  long[5] = 40;
  assert.is(decodeUdp(decodeIp("ipv4", ipv4(long))!), undefined);
  const short = udp(1, 2, bytes(1, 2, 3));
  short[5] = 4;
  assert.is(decodeUdp(decodeIp("ipv4", ipv4(short))!), undefined);
  assert.is(decodeUdp(decodeIp("ipv4", ipv4(bytes(1, 2, 3)))!), undefined, "fewer than 8 bytes");
  assert.is(decodeUdp(decodeIp("ipv4", ipv4(udp(1, 2, bytes(1)), { protocol: 6 }))!), undefined, "not UDP");
});

unit("finds no UDP in a TCP-only capture", () => {
  const packets = readCapture(readFileSync(fixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap")));
  assert.is(udpDatagrams(packets).length, 0);
});

unit.run();

const withTshark = e2eSuite("pcap/udp vs tshark", ["tshark"]);

const udpCaptures = [
  "rtcp_compound_multiple-packets-per-datagram.pcap",
  "rtp_pcma_sipp-bundled_30ms.pcap",
  "rtp_rfc2833_sipp_5.pcap",
  "rtp_h264_baseline-640x480_fua_pt96_no-signalling.pcap",
  "rtp_webrtc_h264_stapa-fua_hdrext_str0m.pcap",
  "sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap",
  "sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap",
  "sip_nero-sipps_register401_invite407_opaque_wiki-aaa.pcap",
  "sip_rtp_magicjack_invite401_183-early-media_pcmu.pcap",
  "sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap",
  "sip_rtp_sipp-freeswitch1.6_opus48k.pcap",
  "sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap",
  "sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap",
];

withTshark("UDP datagrams of the RTP and SIP captures equal tshark's udp fields and payloads", () => {
  for (const name of udpCaptures) {
    const path = sharedFixture(name);
    if (!path) continue;
    const ours = udpDatagrams(readCapture(readFileSync(path)));
    // ICMP errors quote a UDP header: tshark shows it as "udp" inside "icmp"; those are not datagrams.
    const rows = tsharkFields(path, ["frame.number", "ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst", "udp.dstport", "udp.payload"], "udp && !icmp && !icmpv6");
    assert.is(ours.length, rows.length, `${name}: datagram count`);
    for (const [i, row] of rows.entries()) {
      const d = ours[i]!;
      const [frame, src, src6, srcPort, dst, dst6, dstPort, payload] = row.map((column) => column[0] ?? "");
      const where = `${name} frame ${frame}`;
      assert.is(String(d.frame), frame, where);
      assert.is(d.src, src || src6, where);
      assert.is(d.dst, dst || dst6, where);
      assert.is(String(d.srcPort), srcPort, where);
      assert.is(String(d.dstPort), dstPort, where);
      assert.is(Buffer.from(d.payload).toString("hex"), payload, where);
    }
  }
});

withTshark.run();
