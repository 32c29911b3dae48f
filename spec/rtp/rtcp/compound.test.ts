import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { isRtcp } from "../../../src/rtp/packet.ts";
import { decodeRtcpCompound, encodeRtcpCompound, type RtcpPacket } from "../../../src/rtp/rtcp/compound.ts";
import { nackPairs, nackedSequences } from "../../../src/rtp/rtcp/nack.ts";
import { sdesText } from "../../../src/rtp/rtcp/sdes.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { hexBytes, tsharkFields } from "../../support/tshark.ts";
import { HEURISTICS, RTCP_COMPOUND, capturePath, datagrams, hex } from "../captures.ts";
import { expectErrorCode } from "../../support/errors.ts";

const test = suite("rtp/rtcp/compound");

/** Packets written from RFC 3550 6.4-6.7, RFC 4585 6.2.1/6.3.1 and RFC 5104 4.3.1. */
const CASES: readonly { name: string; hex: string; check: (p: readonly RtcpPacket[]) => void }[] = [
  {
    name: "a receiver report with one block and an SDES CNAME",
    hex:
      "81c90007" + "00000001" + // RR, RC=1, length 7, sender SSRC
      "00000002" + "05fffffe" + "00011234" + "00000010" + "11223344" + "00010000" + // block: fraction 5, lost -2
      "81ca0003" + "00000001" + "0103616263000000", // SDES, CNAME "abc", null + padding
    check: ([rr, sdes]) => {
      assert.is(rr!.type, "rr");
      if (rr!.type !== "rr" || sdes!.type !== "sdes") return;
      assert.equal(rr.reports[0], { ssrc: 2, fractionLost: 5, packetsLost: -2, highestSequence: 0x11234, jitter: 16, lastSr: 0x11223344, delaySinceLastSr: 65536 });
      assert.is(sdesText(sdes.chunks[0]!.items[0]!), "abc");
    },
  },
  {
    name: "a PLI",
    hex: "81ce0002" + "00000001" + "00000002",
    check: ([p]) => assert.equal(p, { type: "pli", senderSsrc: 1, mediaSsrc: 2, padding: 0 }),
  },
  {
    name: "a FIR with one entry",
    hex: "84ce0004" + "00000001" + "00000000" + "00000002" + "07000000",
    check: ([p]) => assert.equal(p, { type: "fir", senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 2, sequenceNumber: 7 }], padding: 0 }),
  },
  {
    name: "a generic NACK for 100, 101 and 116",
    hex: "81cd0003" + "00000001" + "00000002" + "00648001",
    check: ([p]) => {
      assert.is(p!.type, "nack");
      if (p!.type === "nack") assert.equal(nackedSequences(p.pairs), [100, 101, 116]);
    },
  },
  {
    name: "a BYE with a reason",
    hex: "81cb0003" + "00000001" + "04627965" + "21000000",
    check: ([p]) => {
      assert.is(p!.type, "bye");
      if (p!.type === "bye") assert.is(new TextDecoder().decode(p.reason), "bye!");
    },
  },
  {
    name: "an APP packet",
    hex: "83cc0003" + "00000001" + "74657374" + "01020304",
    check: ([p]) => assert.equal(p, { type: "app", subtype: 3, ssrc: 1, name: "test", data: hexBytes("01020304"), padding: 0 }),
  },
  {
    name: "an XR packet and a REMB, kept raw",
    hex: "80cf0002" + "00000001" + "01020304" + "8fce0004" + "00000001" + "00000000" + "52454d42" + "0100ffff",
    check: ([xr, remb]) => {
      assert.equal([xr!.type, remb!.type], ["raw", "raw"]);
      if (remb!.type === "raw") assert.equal([remb.packetType, remb.count, remb.body.length], [206, 15, 16]);
    },
  },
  {
    name: "a sender report with padding",
    hex: "a0c80007" + "00000001" + "dd3ac170" + "4d614df8" + "00007d00" + "000000c8" + "00007d00" + "00000004",
    check: ([p]) => {
      assert.is(p!.type, "sr");
      if (p!.type === "sr") assert.equal([p.ntpMsw, p.rtpTimestamp, p.packetCount, p.padding], [0xdd3ac170, 32000, 200, 4]);
    },
  },
];

for (const c of CASES) {
  test(`decodes ${c.name} and encodes it back byte for byte`, () => {
    const bytes = hexBytes(c.hex);
    const packets = decodeRtcpCompound(bytes);
    c.check(packets);
    assert.is(hex(encodeRtcpCompound(packets)), c.hex);
  });
}

test("packs lost sequence numbers into PID/BLP pairs across the 16-bit wrap", () => {
  const lost = [65534, 65535, 0, 5, 40];
  const pairs = nackPairs(lost);
  assert.equal(pairs, [{ packetId: 65534, lostBitmask: 0b1000011 }, { packetId: 40, lostBitmask: 0 }]);
  assert.equal(nackedSequences(pairs), lost);
});

const BAD: readonly [string, string, string][] = [
  ["an empty datagram", "", "ERR_RTP_TRUNCATED"],
  ["3 bytes", "80c800", "ERR_RTP_TRUNCATED"],
  ["version 1", "41c90001" + "00000001", "ERR_RTP_BAD_VERSION"],
  ["a length past the datagram", "80c90005" + "00000001", "ERR_RTCP_BAD_LENGTH"],
  ["an RR whose count needs more blocks", "81c90001" + "00000001", "ERR_RTCP_MALFORMED"],
  ["an SR without sender info", "80c80002" + "0000000100000002", "ERR_RTCP_MALFORMED"],
  ["an SDES item past the packet", "81ca0002" + "00000001" + "01090000", "ERR_RTCP_MALFORMED"],
  ["an SDES chunk without its null octet", "81ca0002" + "00000001" + "01026162", "ERR_RTCP_MALFORMED"],
  ["a BYE reason past the packet", "81cb0002" + "00000001" + "09000000", "ERR_RTCP_MALFORMED"],
  ["a FIR with half an entry", "84ce0003" + "00000001" + "00000000" + "00000002", "ERR_RTCP_MALFORMED"],
  ["a NACK without media SSRC", "81cd0001" + "00000001", "ERR_RTCP_MALFORMED"],
  ["padding count 0", "a0c90001" + "00000000", "ERR_RTP_BAD_PADDING"],
  ["an APP without its name", "80cc0001" + "00000001", "ERR_RTCP_MALFORMED"],
];
for (const [name, bytes, code] of BAD) {
  test(`rejects ${name} with ${code}`, () => {
    expectErrorCode(() => decodeRtcpCompound(hexBytes(bytes)), code, ParseError);
  });
}

test("fuzzed compound packets throw only ParseError and re-encode stably", () => {
  const report = runFuzz("rtcp-compound", {
    seed: 0x4c9,
    count: 4000,
    inputs: CASES.map((c) => hexBytes(c.hex)),
    check: (bytes) => {
      const once = encodeRtcpCompound(decodeRtcpCompound(bytes));
      assert.is(hex(encodeRtcpCompound(decodeRtcpCompound(once))), hex(once));
    },
  });
  assert.ok(report.accepted > 100 && report.codes.size >= 3, `accepted ${report.accepted}`);
});

test.run();

const wire = e2eSuite("rtp/rtcp vs tshark", ["tshark"]);

for (const name of [RTCP_COMPOUND, "sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", "sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap"]) {
  wire(`every RTCP datagram of ${name} decodes to tshark's rtcp fields and re-encodes byte-exact`, () => {
    const path = capturePath(name);
    if (!path) return;
    const fields = ["frame.number", "rtcp.pt", "rtcp.senderssrc", "rtcp.timestamp.ntp.msw", "rtcp.timestamp.ntp.lsw", "rtcp.timestamp.rtp", "rtcp.sender.packetcount", "rtcp.ssrc.identifier", "rtcp.ssrc.cum_nr", "rtcp.ssrc.jitter", "rtcp.sdes.text"];
    const rows = tsharkFields(path, fields, "rtcp && !icmp", { options: HEURISTICS });
    const byFrame = new Map(datagrams(path).map((d) => [d.frame, d]));
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const frame = Number(row[0]![0]);
      const bytes = byFrame.get(frame)!.payload;
      assert.ok(isRtcp(bytes));
      const packets = decodeRtcpCompound(bytes);
      assert.equal(packets.map((p) => (p.type === "raw" ? String(p.packetType) : { sr: "200", rr: "201", sdes: "202", bye: "203", app: "204", pli: "206", fir: "206", nack: "205" }[p.type])), row[1]);
      const senders = packets.flatMap((p) => (p.type === "sr" || p.type === "rr" ? [p] : []));
      assert.equal(senders.map((p) => `0x${p.ssrc.toString(16).padStart(8, "0")}`), row[2]);
      const srs = packets.flatMap((p) => (p.type === "sr" ? [p] : []));
      assert.equal(srs.map((p) => String(p.ntpMsw)), row[3]);
      assert.equal(srs.map((p) => String(p.ntpLsw)), row[4]);
      assert.equal(srs.map((p) => String(p.rtpTimestamp)), row[5]);
      assert.equal(srs.map((p) => String(p.packetCount)), row[6]);
      const blocks = senders.flatMap((p) => p.reports);
      // tshark names both report-block sources and SDES chunk sources rtcp.ssrc.identifier
      const ids = packets.flatMap((p) => (p.type === "sr" || p.type === "rr" ? p.reports.map((b) => b.ssrc) : p.type === "sdes" ? p.chunks.map((c) => c.ssrc) : []));
      assert.equal(ids.map((s) => `0x${s.toString(16).padStart(8, "0")}`), row[7]);
      assert.equal(blocks.map((b) => String(b.packetsLost)), row[8]);
      assert.equal(blocks.map((b) => String(b.jitter)), row[9]);
      const texts = packets.flatMap((p) => (p.type === "sdes" ? p.chunks.flatMap((c) => c.items.map(sdesText)) : []));
      assert.equal(texts, row[10]);
      assert.is(hex(encodeRtcpCompound(packets)), hex(bytes), `frame ${frame} re-encodes`);
    }
    if (name === RTCP_COMPOUND) assert.is(rows.length, 5);
  });
}

wire.run();
