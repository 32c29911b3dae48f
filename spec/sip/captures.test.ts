/**
 * Every SIP message in the SIP captures, parsed by our decoder and compared with Wireshark's SIP
 * dissector for the same frame: method or status, Call-ID, CSeq, From/To tags, top Via branch and
 * Content-Length. UDP datagrams come from src/pcap `udpDatagrams`; the TCP capture is reassembled
 * with `tcpStreams` and fed to the stream parser (in order, compared per direction).
 */
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { tsharkFields } from "../support/tshark.ts";
import { readCapture, tcpStreams, udpDatagrams } from "../../src/pcap/index.ts";
import { decodeSipMessage } from "../../src/sip/message/parse.ts";
import { SipStreamParser } from "../../src/sip/message/stream-parser.ts";
import { headerValue, headerValues } from "../../src/sip/message/headers.ts";
import { decodeCSeq } from "../../src/sip/headers/cseq.ts";
import { decodeNameAddr } from "../../src/sip/headers/name-addr.ts";
import { decodeVia } from "../../src/sip/headers/via.ts";
import type { SipMessage } from "../../src/sip/messages.ts";

const FIELDS = ["frame.number", "sip.Method", "sip.Status-Code", "sip.Call-ID", "sip.CSeq.seq", "sip.CSeq.method", "sip.from.tag", "sip.to.tag", "sip.Via.branch", "sip.Content-Length"];

const UDP_CAPTURES: [string, string | undefined][] = [
  ["sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", fixture("sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap")],
  ["sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap", fixture("sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap")],
  ...[
    "sip_nero-sipps_register401_invite407_opaque_wiki-aaa.pcap",
    "sip_rtp_magicjack_invite401_183-early-media_pcmu.pcap",
    "sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap",
    "sip_rtp_sipp-freeswitch1.6_opus48k.pcap",
    "sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap",
    "sip_websocket_sipjs-opensips407-freeswitch_webrtc-sdp.pcap",
  ].map((name): [string, string | undefined] => [name, sharedFixture(name)]),
];

const SIP_START = /^(SIP\/2\.0 \d{3}[^\r\n]*|[A-Z]+ \S+ SIP\/2\.0)\r?\n/;
const text = new TextDecoder("latin1");

/** What we compare, as tshark shows it. */
function ours(m: SipMessage): string[] {
  const cseq = decodeCSeq(headerValue(m, "CSeq") ?? "");
  return [
    m.type === "request" ? m.method : "",
    m.type === "response" ? String(m.status) : "",
    headerValue(m, "Call-ID") ?? "",
    String(cseq.seq),
    cseq.method,
    decodeNameAddr(headerValue(m, "From") ?? "").params.tag ?? "",
    decodeNameAddr(headerValue(m, "To") ?? "").params.tag ?? "",
    decodeVia(headerValues(m, "Via")[0] ?? "").params.branch ?? "",
    String(m.body.length),
  ];
}

function theirs(row: string[][]): string[] {
  return row.slice(1).map((values, i) => (i === 7 ? (values[0] ?? "") : (values[0] ?? "")));
}

const test = e2eSuite("sip captures against tshark's SIP dissector", ["tshark"]);
let compared = 0;

for (const [name, path] of UDP_CAPTURES) {
  test(`every UDP SIP message of ${name} decodes to the fields tshark shows`, () => {
    if (!path) return;
    const rows = tsharkFields(path, FIELDS, "sip && udp");
    const byFrame = new Map(rows.map((r) => [Number(r[0][0]), r]));
    const datagrams = udpDatagrams(readCapture(new Uint8Array(readFileSync(path)))).filter((d) => SIP_START.test(text.decode(d.payload.subarray(0, 200))));
    assert.ok(datagrams.length > 0, "the capture has SIP datagrams");
    assert.is(datagrams.length, rows.length, "tshark and we see the same number of SIP datagrams");
    for (const d of datagrams) {
      const row = byFrame.get(d.frame);
      assert.ok(row, `tshark dissected frame ${d.frame} as SIP`);
      const message = decodeSipMessage(d.payload);
      assert.equal(ours(message), theirs(row!), `frame ${d.frame}`);
      compared++;
    }
  });
}

test("every TCP SIP message of the AudioCodes capture, reassembled and stream-parsed, matches tshark in order", () => {
  const path = sharedFixture("sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap");
  if (!path) return;
  const rows = tsharkFields(path, [...FIELDS, "tcp.srcport"], "sip && tcp");
  const streams = tcpStreams(readCapture(new Uint8Array(readFileSync(path)))).filter((s) => s.clientToServer.length + s.serverToClient.length > 0);
  let seen = 0;
  for (const s of streams) {
    for (const [bytes, port] of [[s.clientToServer, s.client.port], [s.serverToClient, s.server.port]] as const) {
      const messages = new SipStreamParser().push(bytes);
      const expected = rows.filter((r) => Number(r[FIELDS.length][0]) === port).map((r) => theirs(r.slice(0, FIELDS.length)));
      assert.equal(messages.map(ours), expected, `direction from port ${port}`);
      seen += messages.length;
    }
  }
  assert.is(seen, rows.length, "we found as many SIP messages in the streams as tshark");
  compared += seen;
});

test("the comparison covered the captures' SIP messages", () => {
  console.log(`  sip captures: ${compared} messages compared with tshark`);
  assert.ok(compared > 50);
});

test.run();
