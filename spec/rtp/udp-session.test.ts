/**
 * An RTP session over UDP on loopback: two sessions send to each other; RTP carries our SSRC and
 * consecutive sequence numbers; reports are SR after sending and RR otherwise, with loss counted
 * per RFC 3550 A.3; keyframe requests are PLI + FIR; compound packets are what tshark's RTCP
 * dissector reads; garbage is counted, not thrown; close sends BYE and frees the port.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RtpPortAllocator } from "../../src/rtp/port-allocator.ts";
import { RtpUdpSession } from "../../src/rtp/udp-session.ts";
import type { RtpPacket } from "../../src/rtp/packet.ts";
import type { RtcpPacket } from "../../src/rtp/rtcp/compound.ts";
import { waitFor } from "../support/net.ts";
import { e2eSuite } from "../support/e2e.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { tsharkFields } from "../support/tshark.ts";
import { ipv4, pcapFile, udp } from "../pcap/support/build.ts";

const test = suite("rtp/udp-session");
const sessions: RtpUdpSession[] = [];
const range = mediaPortRange(20);
const ports = new RtpPortAllocator(range.media_port_from, range.media_port_to);

interface Peer {
  readonly session: RtpUdpSession;
  readonly rtp: RtpPacket[];
  readonly rtcp: RtcpPacket[][];
  readonly rtcpBytes: Uint8Array[];
}

async function peer(ssrc: number, now?: () => number): Promise<Peer> {
  const pair = await ports.allocate("127.0.0.1");
  const rtp: RtpPacket[] = [];
  const rtcp: RtcpPacket[][] = [];
  const rtcpBytes: Uint8Array[] = [];
  pair.rtcp.on("message", (b: Buffer) => rtcpBytes.push(new Uint8Array(b)));
  const session = new RtpUdpSession({ ...pair, clockRate: 8000, ssrc, cname: `peer-${ssrc}`, rtcpIntervalMs: 0, delegate: { onRtp: (p) => rtp.push(p), onRtcp: (p) => rtcp.push([...p]) }, onClose: () => ports.release(pair.port), ...(now ? { now } : {}) });
  sessions.push(session);
  return { session, rtp, rtcp, rtcpBytes };
}

function link(a: Peer, b: Peer): void {
  a.session.setRemote({ address: "127.0.0.1", port: b.session.port, rtcpAddress: "127.0.0.1", rtcpPort: b.session.port + 1 });
  b.session.setRemote({ address: "127.0.0.1", port: a.session.port, rtcpAddress: "127.0.0.1", rtcpPort: a.session.port + 1 });
}

test.after.each(() => {
  for (const s of sessions.splice(0)) s.close();
});

test("RTP goes out with our SSRC and consecutive sequence numbers, and nothing is sent before the remote is known", async () => {
  const a = await peer(0x1111);
  const b = await peer(0x2222);
  assert.is(a.session.send({ payloadType: 8, timestamp: 0, payload: new Uint8Array(160) }), undefined);
  link(a, b);
  for (let i = 0; i < 3; i++) a.session.send({ payloadType: 8, timestamp: 160 * i, payload: new Uint8Array(160).fill(i), marker: i === 0 });
  await waitFor("3 packets", () => (b.rtp.length === 3 ? true : undefined));
  assert.ok(b.rtp.every((p) => p.ssrc === 0x1111));
  assert.equal(b.rtp.map((p) => (p.sequenceNumber - b.rtp[0]!.sequenceNumber + 65536) % 65536), [0, 1, 2]);
  assert.equal(b.rtp.map((p) => p.marker), [true, false, false]);
  assert.is(a.session.stats.packetsSent, 3);
  assert.is(b.session.stats.packetsReceived, 3);
  assert.is(b.session.remoteSsrc, 0x1111);
});

test("the report is an SR after sending (counts and RTP time) and an RR with the loss of the far end's stream otherwise", async () => {
  const a = await peer(0xa);
  const b = await peer(0xb);
  link(a, b);
  for (const seq of [0, 1, 2, 4, 5]) a.session.send({ payloadType: 8, timestamp: 160 * seq, payload: new Uint8Array(160) });
  await waitFor("5 packets", () => (b.rtp.length === 5 ? true : undefined));
  a.session.sendReport();
  await waitFor("SR", () => b.rtcp[0]);
  const sr = b.rtcp[0]!.find((p) => p.type === "sr");
  assert.ok(sr && sr.type === "sr");
  if (sr?.type === "sr") {
    assert.is(sr.packetCount, 5);
    assert.is(sr.octetCount, 800);
    assert.is(sr.ssrc, 0xa);
  }
  assert.ok(b.rtcp[0]!.some((p) => p.type === "sdes"), "SDES CNAME in the compound packet");
  b.session.sendReport();
  await waitFor("RR", () => a.rtcp[0]);
  const rr = a.rtcp[0]!.find((p) => p.type === "rr");
  assert.ok(rr && rr.type === "rr" && rr.reports[0]!.ssrc === 0xa && rr.reports[0]!.packetsLost === 0);
});

test("packets lost on the way are counted in the RR (RFC 3550 A.3) and in stats", async () => {
  const b = await peer(0xb2);
  const a = await peer(0xa2);
  link(a, b);
  // a's sequence numbers are consecutive; drop two of them on the way by sending to a dead port first
  a.session.send({ payloadType: 8, timestamp: 0, payload: new Uint8Array(160) });
  a.session.setRemote({ address: "127.0.0.1", port: 9, rtcpAddress: "127.0.0.1", rtcpPort: 9 });
  a.session.send({ payloadType: 8, timestamp: 160, payload: new Uint8Array(160) });
  a.session.send({ payloadType: 8, timestamp: 320, payload: new Uint8Array(160) });
  link(a, b);
  a.session.send({ payloadType: 8, timestamp: 480, payload: new Uint8Array(160) });
  await waitFor("2 packets", () => (b.rtp.length === 2 ? true : undefined));
  assert.is(b.session.stats.packetsLost, 2);
  b.session.sendReport();
  await waitFor("RR", () => a.rtcp[0]);
  const rr = a.rtcp[0]!.find((p) => p.type === "rr");
  assert.ok(rr?.type === "rr");
  if (rr?.type === "rr") {
    assert.is(rr.reports[0]!.packetsLost, 2);
    assert.is(rr.reports[0]!.fractionLost, 128, "2 of 4 expected = 128/256");
  }
});

test("requestKeyframe sends PLI and FIR for the far end's SSRC, the FIR sequence as given", async () => {
  const a = await peer(0xa3);
  const b = await peer(0xb3);
  link(a, b);
  b.session.send({ payloadType: 96, timestamp: 0, payload: new Uint8Array(10) });
  await waitFor("video packet", () => (a.rtp.length === 1 ? true : undefined));
  a.session.requestKeyframe(7);
  await waitFor("feedback", () => b.rtcp[0]);
  const pli = b.rtcp[0]!.find((p) => p.type === "pli");
  const fir = b.rtcp[0]!.find((p) => p.type === "fir");
  assert.ok(pli?.type === "pli" && pli.mediaSsrc === 0xb3 && pli.senderSsrc === 0xa3);
  assert.ok(fir?.type === "fir" && fir.entries[0]!.ssrc === 0xb3 && fir.entries[0]!.sequenceNumber === 7);
});

test("datagrams that are neither RTP nor RTCP are counted as malformed and nothing throws", async () => {
  const a = await peer(0xa4);
  const b = await peer(0xb4);
  link(a, b);
  const raw = (await import("node:dgram")).createSocket("udp4");
  for (const junk of [new Uint8Array([1, 2, 3]), new Uint8Array(12), new Uint8Array([0x80, 0xc8, 0, 40])]) raw.send(junk, b.session.port, "127.0.0.1");
  raw.send(new Uint8Array([0x80]), b.session.port + 1, "127.0.0.1");
  await waitFor("4 malformed", () => (b.session.stats.malformed === 4 ? true : undefined));
  raw.close();
  a.session.send({ payloadType: 8, timestamp: 0, payload: new Uint8Array(1) });
  await waitFor("still receiving", () => (b.rtp.length === 1 ? true : undefined));
});

test("close sends an RTCP BYE and releases the port pair", async () => {
  const a = await peer(0xa5);
  const b = await peer(0xb5);
  link(a, b);
  a.session.send({ payloadType: 8, timestamp: 0, payload: new Uint8Array(1) });
  const inUse = ports.inUse;
  a.session.close();
  sessions.splice(sessions.indexOf(a.session), 1);
  await waitFor("BYE", () => b.rtcp.find((c) => c.some((p) => p.type === "bye")));
  assert.is(ports.inUse, inUse - 1);
});

test.run();

const wire = e2eSuite("rtp/udp-session against tshark", ["tshark"]);
wire.after.each(() => {
  for (const s of sessions.splice(0)) s.close();
});

wire("the SR + SDES and RR + SDES + PLI + FIR compounds are what tshark's RTCP dissector reads", async () => {
  const a = await peer(0xa6);
  const b = await peer(0xb6);
  link(a, b);
  a.session.send({ payloadType: 8, timestamp: 1000, payload: new Uint8Array(160) });
  b.session.send({ payloadType: 8, timestamp: 5000, payload: new Uint8Array(160) });
  await waitFor("rtp", () => (a.rtp.length && b.rtp.length ? true : undefined));
  a.session.sendReport();
  await waitFor("SR", () => b.rtcpBytes[0]);
  a.session.requestKeyframe(3);
  await waitFor("feedback", () => b.rtcpBytes[1]);
  const file = join(tmpdir(), `transpond-rtcp-${process.pid}.pcap`);
  writeFileSync(file, pcapFile(101, b.rtcpBytes.map((data, i) => ({ time: i, data: ipv4(udp(a.session.port + 1, b.session.port + 1, data), { src: "127.0.0.1", dst: "127.0.0.1" }) }))));
  try {
    const rows = tsharkFields(file, ["rtcp.pt", "rtcp.senderssrc", "rtcp.sender.packetcount", "rtcp.sender.octetcount", "rtcp.psfb.fmt", "rtcp.sdes.text", "rtcp.ssrc.identifier"], "rtcp", { decodeAs: [`udp.port==${b.session.port + 1},rtcp`] });
    assert.is(rows.length, 2);
    const [srPts, srSender, packets, octets, , srText, srBlocks] = rows[0]!;
    assert.equal(srPts, ["200", "202"], "SR, SDES");
    assert.is(Number(srSender![0]), 0xa6);
    assert.equal([packets, octets], [["1"], ["160"]]);
    assert.equal(srText, ["peer-166"]);
    assert.is(Number(srBlocks![0]), 0xb6, "a report block about the far end's stream");
    const [pts, , , , psfb, texts] = rows[1]!;
    assert.equal(pts, ["201", "202", "206", "206"], "RR, SDES, PSFB, PSFB");
    assert.equal(psfb, ["1", "4"], "PLI then FIR");
    assert.equal(texts, ["peer-166"]);
  } finally {
    rmSync(file, { force: true });
  }
});

wire.run();
