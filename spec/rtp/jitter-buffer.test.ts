import { suite } from "uvu";
import * as assert from "uvu/assert";
import { JitterBuffer, type JitterBufferOutput } from "../../src/rtp/jitter-buffer.ts";
import { decodeRtp, rtpPacket, type RtpPacket } from "../../src/rtp/packet.ts";
import { prng } from "../support/fuzz.ts";
import { IPDECT, capturePath, datagrams } from "./captures.ts";

const test = suite("rtp/jitter-buffer");

/** 20 ms G.711 packets: seq from `first` (wrapping), timestamp += 160. */
function stream(count: number, first = 0, ts0 = 0): RtpPacket[] {
  return Array.from({ length: count }, (_, i) => rtpPacket({ payloadType: 8, sequenceNumber: (first + i) & 0xffff, timestamp: (ts0 + i * 160) >>> 0, ssrc: 7, payload: Uint8Array.of(i & 0xff) }));
}

function feed(jb: JitterBuffer, packets: readonly RtpPacket[]): JitterBufferOutput[] {
  return [...packets.flatMap((p) => jb.push(p)), ...jb.flush()];
}

const seqs = (out: readonly JitterBufferOutput[]) => out.flatMap((o) => (o.type === "packet" ? [o.packet.sequenceNumber] : []));

test("passes packets in order straight through", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const out = stream(5).flatMap((p) => jb.push(p));
  assert.equal(seqs(out), [0, 1, 2, 3, 4]);
  assert.is(jb.size, 0);
});

test("puts a swapped pair back in order and counts it as reordered", () => {
  const p = stream(4);
  const jb = new JitterBuffer({ clockRate: 8000 });
  assert.equal(seqs(feed(jb, [p[0]!, p[2]!, p[1]!, p[3]!])), [0, 1, 2, 3]);
  assert.equal([jb.stats.reordered, jb.stats.lost], [1, 0]);
});

test("reports a gap as lost once the newest packet is maxDelayMs of RTP time past it", () => {
  const p = stream(20);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 100 });
  const held = [p[0]!, ...p.slice(2)].flatMap((x) => jb.push(x));
  // packet 2 waits until a packet 100 ms (5 packets) newer arrives: packet 7
  const lossAt = held.findIndex((o) => o.type === "loss");
  assert.equal(held[lossAt], { type: "loss", firstSequence: 1, count: 1 });
  assert.equal(seqs(held.slice(0, lossAt)), [0]);
  assert.equal(seqs(held.slice(lossAt)).slice(0, 6), [2, 3, 4, 5, 6, 7]);
  assert.is(jb.stats.lost, 1);
});

test("releases a gap by wall-clock time with poll(nowMs)", () => {
  const p = stream(3);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 100 });
  jb.push(p[0]!, 0);
  assert.equal(jb.push(p[2]!, 10), []);
  assert.equal(jb.poll(50), []);
  assert.equal(jb.poll(111), [{ type: "loss", firstSequence: 1, count: 1 }, { type: "packet", packet: p[2]! }]);
});

test("with arrival times a gap is waited for by the clock, not by the RTP span: a burst spanning 300 ms that arrives at once keeps its gap open for the retransmission", () => {
  const p = stream(20);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 100 });
  jb.push(p[0]!, 0);
  // packets 2..16 (280 ms of RTP time) queued behind a stall and come in together at 400 ms
  const burst = p.slice(2, 17).flatMap((x) => jb.push(x, 400));
  assert.equal(burst, [], "held: the gap before them has waited 0 ms");
  assert.equal(jb.poll(450), []);
  // packet 1, NACKed when the burst showed the gap, comes again 60 ms later
  assert.equal(seqs(jb.push(p[1]!, 460)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  assert.equal([jb.stats.lost, jb.stats.late], [0, 0]);
});

test("with arrival times a gap nobody fills is given up maxDelayMs after the first packet behind it arrived", () => {
  const p = stream(20);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 100 });
  jb.push(p[0]!, 0);
  jb.push(p[2]!, 400);
  const held = p.slice(3, 17).flatMap((x, i) => jb.push(x, 401 + i));
  assert.equal(held, []);
  const released = jb.poll(500);
  assert.equal(released[0], { type: "loss", firstSequence: 1, count: 1 });
  assert.equal(seqs(released), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
});

test("drops a packet that comes after its gap was given up (late) and a repeated one (duplicate)", () => {
  const p = stream(12);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 40 });
  const out = feed(jb, [p[0]!, p[2]!, p[3]!, p[4]!, p[1]!, p[4]!, p[5]!, p[5]!]);
  assert.equal(seqs(out), [0, 2, 3, 4, 5]);
  assert.equal([jb.stats.late, jb.stats.duplicate, jb.stats.lost], [1, 2, 1]);
});

test("follows the sequence number across the 16-bit wrap", () => {
  const p = stream(6, 65533, 0xffffff00);
  const jb = new JitterBuffer({ clockRate: 8000 });
  assert.equal(seqs(feed(jb, [p[0]!, p[2]!, p[1]!, p[4]!, p[3]!, p[5]!])), [65533, 65534, 65535, 0, 1, 2]);
  assert.equal([jb.stats.lost, jb.stats.reordered], [0, 2]);
});

test("takes a large sequence jump as a sender restart, not as thousands of lost packets", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const out = feed(jb, [...stream(3, 100), ...stream(3, 40000, 5000)]);
  assert.equal(seqs(out), [100, 101, 102, 40000, 40001, 40002]);
  assert.equal([jb.stats.lost, jb.stats.resets], [0, 1]);
});

test("takes a new SSRC as a sender restart even when its numbers are close", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const other = stream(3, 98).map((p) => ({ ...p, ssrc: 8 }));
  const out = feed(jb, [...stream(3, 100), ...other]);
  assert.equal(seqs(out), [100, 101, 102, 98, 99, 100]);
  assert.equal([jb.stats.late, jb.stats.duplicate, jb.stats.resets], [0, 0, 1]);
});

test("holds at most maxPackets, then gives the gap up", () => {
  const p = stream(30);
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 10_000, maxPackets: 10 });
  const out = [p[0]!, ...p.slice(2)].flatMap((x) => jb.push(x));
  assert.ok(out.some((o) => o.type === "loss"));
  assert.ok(jb.size <= 10);
});

test("a seeded 5% drop and shuffle of 2000 packets: order restored, counters exact", () => {
  const rand = prng(2026);
  const all = stream(2000, 60000);
  const dropped = new Set<number>();
  const kept = all.filter((_, i) => (i > 0 && rand() % 100 < 5 ? (dropped.add(i), false) : true));
  // move 5% of the kept packets up to 4 places later (20..80 ms late, inside maxDelayMs)
  let moved = 0;
  for (let i = kept.length - 6; i > 0; i--) {
    if (rand() % 100 >= 5) continue;
    const d = 1 + (rand() % 4);
    const [x] = kept.splice(i, 1);
    kept.splice(i + d, 0, x!);
    moved++;
  }
  const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 200 });
  const out = feed(jb, kept);
  const got = seqs(out);
  const want = all.filter((_, i) => !dropped.has(i)).map((p) => p.sequenceNumber);
  assert.equal(got, want, "every kept packet, in sequence order");
  const lossCount = out.reduce((n, o) => n + (o.type === "loss" ? o.count : 0), 0);
  assert.equal([jb.stats.lost, lossCount, jb.stats.late, jb.stats.duplicate], [dropped.size, dropped.size, 0, 0]);
  assert.is(jb.stats.received, kept.length);
  assert.ok(jb.stats.reordered > 0 && jb.stats.reordered <= moved * 4, `reordered ${jb.stats.reordered}, moved ${moved}`);
  assert.ok(dropped.size > 50 && moved > 50, `dropped ${dropped.size}, moved ${moved}`);
});

test("the IP-DECT capture's B->A stream: its two real gaps come out as loss events", () => {
  const path = capturePath(IPDECT);
  if (!path) return;
  // PCMA (PT 8) and telephone-event (PT 96) share each stream's sequence numbers
  const rtp = datagrams(path).filter((d) => d.payload.length >= 12 && d.payload[0] === 0x80 && [8, 96].includes(d.payload[1]! & 0x7f));
  const bySsrc = new Map<number, RtpPacket[]>();
  for (const d of rtp) {
    const p = decodeRtp(d.payload);
    bySsrc.set(p.ssrc, [...(bySsrc.get(p.ssrc) ?? []), p]);
  }
  const losses = [...bySsrc.values()].map((packets) => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    feed(jb, packets);
    return jb.stats.lost;
  });
  assert.equal(losses.sort(), [0, 2], `losses per stream ${losses}`);
});

test.run();
