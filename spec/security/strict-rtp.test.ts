/**
 * Issue 14, attack 7: RTP accepted from any source on a call's port. A call's RTP session learns the
 * first source and drops (and counts) packets from any other address or port; a new answer
 * (setRemote) forgets it. Real UDP sockets on loopback: the far end on 127.0.0.1, the intruder on
 * 127.0.0.3 and on another port of 127.0.0.1.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { RtpPortAllocator } from "../../src/rtp/port-allocator.ts";
import { encodeRtp, rtpPacket, type RtpPacket } from "../../src/rtp/packet.ts";
import { RtpUdpSession } from "../../src/rtp/udp-session.ts";
import { waitFor } from "../support/net.ts";
import { mediaPortRange } from "../support/media-ports.ts";

const test = suite("security/strict-rtp");

async function udp(host: string): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  return s;
}

test("the first source is learned; another address or port is dropped and counted; setRemote forgets it", async () => {
  const range = mediaPortRange(4);
  const ports = new RtpPortAllocator(range.media_port_from, range.media_port_to);
  const pair = await ports.allocate("127.0.0.1");
  const received: RtpPacket[] = [];
  const session = new RtpUdpSession({ ...pair, clockRate: 8000, ssrc: 1, cname: "strict", rtcpIntervalMs: 0, delegate: { onRtp: (p) => received.push(p) }, onClose: () => ports.release(pair.port) });
  const far = await udp("127.0.0.1");
  const otherPort = await udp("127.0.0.1");
  const otherHost = await udp("127.0.0.3");
  const send = (from: Socket, seq: number, ssrc: number) =>
    new Promise<void>((r) => from.send(encodeRtp(rtpPacket({ payloadType: 8, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: new Uint8Array(160) })), pair.port, "127.0.0.1", () => r()));
  try {
    await send(far, 1, 0xfa);
    await waitFor("the far end's first packet", () => (received.length === 1 ? true : undefined));
    await send(otherHost, 100, 0xbad);
    await send(otherPort, 101, 0xbad);
    await send(far, 2, 0xfa);
    await waitFor("the far end's second packet", () => (received.length >= 2 ? true : undefined));
    await waitFor("two drops", () => (session.stats.foreignDropped === 2 ? true : undefined));
    assert.equal(received.map((p) => p.ssrc), [0xfa, 0xfa]);
    assert.is(session.stats.packetsReceived, 2);
    session.setRemote({ address: "127.0.0.3", port: otherHost.address().port, rtcpAddress: "127.0.0.3", rtcpPort: otherHost.address().port + 1 });
    await send(otherHost, 102, 0xbad);
    await waitFor("the new source after a new answer", () => (received.length === 3 ? true : undefined));
    await send(far, 3, 0xfa);
    await waitFor("the old source dropped now", () => (session.stats.foreignDropped === 3 ? true : undefined));
  } finally {
    await session.close();
    for (const s of [far, otherPort, otherHost]) s.close();
  }
});

test.run();
