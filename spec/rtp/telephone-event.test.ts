import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { decodeRtp, rtpPacket, type RtpPacket } from "../../src/rtp/packet.ts";
import { DtmfReceiver, decodeTelephoneEvent, dtmfEvent, dtmfPackets, encodeTelephoneEvent } from "../../src/rtp/telephone-event.ts";
import { e2eSuite } from "../support/e2e.ts";
import { hexBytes, tsharkFields } from "../support/tshark.ts";
import { HEURISTICS, IPDECT, capturePath, datagrams, hex } from "./captures.ts";

const test = suite("rtp/telephone-event");

test("decodes and encodes the 4-byte payload (event, E, volume, duration)", () => {
  const ev = decodeTelephoneEvent(hexBytes("0b8a08c0"));
  assert.equal(ev, { event: 11, end: true, volume: 10, duration: 2240 });
  assert.is(hex(encodeTelephoneEvent(ev)), "0b8a08c0");
});

test("rejects a payload shorter than 4 bytes with ParseError ERR_RTP_DTMF_MALFORMED", () => {
  assert.throws(() => decodeTelephoneEvent(hexBytes("0b8a08")), (e: unknown) => e instanceof ParseError && e.code === "ERR_RTP_DTMF_MALFORMED");
});

test("maps DTMF characters to RFC 4733 event codes and refuses others", () => {
  assert.equal([..."0123456789*#ABCDd"].map(dtmfEvent), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15]);
  assert.throws(() => dtmfEvent("x"), (e: unknown) => (e as ParseError).code === "ERR_RTP_DTMF_BAD_DIGIT");
});

test("a 100 ms digit at 20 ms intervals: marker first, duration growing, three identical end packets", () => {
  const plan = dtmfPackets("5", { intervalMs: 20 });
  assert.equal(plan.map((p) => p.atMs), [0, 20, 40, 60, 80, 100, 120]);
  assert.equal(plan.map((p) => p.marker), [true, false, false, false, false, false, false]);
  const events = plan.map((p) => decodeTelephoneEvent(p.payload));
  assert.equal(events.map((e) => e.duration), [160, 320, 480, 640, 800, 800, 800]);
  assert.equal(events.map((e) => e.end), [false, false, false, false, true, true, true]);
  assert.ok(events.every((e) => e.event === 5 && e.volume === 10));
});

test("raises a tone shorter than 50 ms to 50 ms", () => {
  const plan = dtmfPackets("1", { durationMs: 10, intervalMs: 20 });
  assert.is(decodeTelephoneEvent(plan[plan.length - 1]!.payload).duration, 400);
});

function asPackets(digits: string, interval = 20): RtpPacket[] {
  let seq = 1000;
  let ts = 8000;
  const out: RtpPacket[] = [];
  for (const d of digits) {
    for (const p of dtmfPackets(d, { intervalMs: interval })) out.push(rtpPacket({ payloadType: 101, sequenceNumber: seq++, timestamp: ts, ssrc: 9, marker: p.marker, payload: p.payload }));
    ts += 2000;
  }
  return out;
}

test("the receiver reports each digit of what the sender made exactly once", () => {
  const rx = new DtmfReceiver();
  const digits = asPackets("123*#9").flatMap((p) => rx.push(p));
  assert.equal(digits.map((d) => d.digit).join(""), "123*#9");
  assert.ok(digits.every((d) => d.ended && d.durationMs === 100));
});

test("the receiver still reports a digit whose end packets were all lost, when the next event starts", () => {
  const rx = new DtmfReceiver();
  const packets = asPackets("47").filter((p) => !(decodeTelephoneEvent(p.payload).end && p.payload[0] === 4));
  const digits = [...packets.flatMap((p) => rx.push(p)), ...rx.flush()];
  assert.equal(digits.map((d) => [d.digit, d.ended]), [["4", false], ["7", true]]);
});

function receive(path: string, pt: number): string[] {
  const rx = new DtmfReceiver();
  const digits: string[] = [];
  for (const d of datagrams(path)) {
    if (d.payload.length < 12 || d.payload[0]! >> 6 !== 2) continue;
    const p = decodeRtp(d.payload);
    if (p.payloadType === pt) digits.push(...rx.push(p).map((x) => x.digit ?? "?"));
  }
  digits.push(...rx.flush().map((x) => x.digit ?? "?"));
  return digits;
}

const NAMES: readonly [string, string][] = [..."0123456789"].map((d) => [d, d] as [string, string]).concat([["star", "*"], ["pound", "#"]]);
for (const [name, digit] of NAMES) {
  test(`SIPp's RFC 2833 capture for ${digit} gives the digit once despite the three repeated end packets`, () => {
    const path = capturePath(`rtp_rfc2833_sipp_${name}.pcap`);
    if (!path) return;
    assert.equal(receive(path, 101), [digit]);
  });
}

test("the IP-DECT call's DTMF (PT 96) gives 6789123", () => {
  const path = capturePath(IPDECT);
  if (!path) return;
  assert.is(receive(path, 96).join(""), "6789123");
});

test.run();

const wire = e2eSuite("rtp/telephone-event vs tshark", ["tshark"]);

wire("every telephone-event packet of the IP-DECT call decodes to tshark's rtpevent fields", () => {
  const path = capturePath(IPDECT);
  if (!path) return;
  const rows = tsharkFields(path, ["frame.number", "rtpevent.event_id", "rtpevent.end_of_event", "rtpevent.volume", "rtpevent.duration"], "rtpevent", {
    options: [...HEURISTICS, "-o", "rtpevent.event_payload_type_value:96"],
  });
  assert.is(rows.length, 35);
  const byFrame = new Map(datagrams(path).map((d) => [d.frame, d]));
  for (const row of rows) {
    const ev = decodeTelephoneEvent(decodeRtp(byFrame.get(Number(row[0]![0]))!.payload).payload);
    assert.equal([String(ev.event), ev.end ? "1" : "0", String(ev.volume), String(ev.duration)], row.slice(1).map((c) => c[0]));
  }
});

wire.run();
