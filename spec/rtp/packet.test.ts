import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { decodeRtp, encodeHeaderExtensions, encodeInto, encodeRtp, encodedSize, isRtcp, rtpPacket } from "../../src/rtp/packet.ts";
import { runFuzz } from "../support/fuzz.ts";
import { e2eSuite } from "../support/e2e.ts";
import { hexBytes, tsharkFields } from "../support/tshark.ts";
import { HEURISTICS, RTP_CAPTURES, STR0M, capturePath, datagrams, hex } from "./captures.ts";
import { RTP_CASES } from "./packet.cases.ts";
import { expectErrorCode } from "../support/errors.ts";

const test = suite("rtp/packet");

for (const c of RTP_CASES) {
  test(`decodes ${c.name} and encodes it back byte for byte`, () => {
    const input = c.bytes.slice();
    const p = decodeRtp(c.bytes);
    for (const [k, v] of Object.entries(c.value)) assert.equal((p as unknown as Record<string, unknown>)[k], v, k);
    assert.equal(hex(encodeRtp(p)), hex(c.bytes));
    assert.equal(encodedSize(p), c.bytes.length);
    assert.equal(hex(c.bytes), hex(input), "input unchanged");
  });
}

test("reads one-byte header extension elements and skips padding bytes between them", () => {
  const p = decodeRtp(RTP_CASES.find((c) => c.name.includes("one-byte"))!.bytes);
  assert.equal(p.extensions.map((e) => [e.id, hex(e.data)]), [[1, "aa"], [2, "bbcc"]]);
});

test("reads two-byte header extension elements, including an empty one", () => {
  const p = decodeRtp(RTP_CASES.find((c) => c.name.includes("two-byte"))!.bytes);
  assert.equal(p.extensions.map((e) => [e.id, hex(e.data)]), [[16, "0102"], [3, ""]]);
});

test("builds the one-byte form when elements fit it and the two-byte form when they do not", () => {
  const small = encodeHeaderExtensions([{ id: 4, data: Uint8Array.of(1, 2, 3) }, { id: 7, data: Uint8Array.of(9) }]);
  assert.equal(small.profile, 0xbede);
  assert.equal(hex(small.data), "4201020370090000");
  const big = encodeHeaderExtensions([{ id: 20, data: Uint8Array.of(5) }]);
  assert.equal(big.profile, 0x1000);
  assert.equal(hex(big.data), "14010500");
  const p = rtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extension: small, payload: Uint8Array.of(0xff) });
  assert.equal(decodeRtp(encodeRtp(p)).extensions.map((e) => e.id), [4, 7]);
});

test("encodeInto writes at an offset and refuses a buffer that is too small", () => {
  const p = rtpPacket({ marker: true, payloadType: 0, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 1, payload: Uint8Array.of(1, 2), padding: 4 });
  const out = new Uint8Array(3 + encodedSize(p));
  assert.equal(encodeInto(p, out, 3), 18);
  assert.equal(hex(out.subarray(3)), hex(encodeRtp(p)));
  assert.throws(() => encodeInto(p, new Uint8Array(10), 0), (e: unknown) => (e as ParseError).code === "ERR_RTP_FIELD_RANGE");
});

const BAD: readonly [string, string, string][] = [
  ["11 bytes", "80000001000000020000", "ERR_RTP_TRUNCATED"],
  ["version 1", "400000010000000200000003", "ERR_RTP_BAD_VERSION"],
  ["CSRC count 2 with one CSRC", "82000001000000020000000300000004", "ERR_RTP_TRUNCATED"],
  ["extension header cut", "9000000100000002000000030000", "ERR_RTP_TRUNCATED"],
  ["extension length past the end", "900000010000000200000003bede000210000000", "ERR_RTP_TRUNCATED"],
  ["one-byte element past the block", "900000010000000200000003bede00013f000000", "ERR_RTP_BAD_EXTENSION"],
  ["two-byte element past the block", "9000000100000002000000031000000101050000", "ERR_RTP_BAD_EXTENSION"],
  ["padding count 0", "a0000001000000020000000300", "ERR_RTP_BAD_PADDING"],
  ["padding count over the payload", "a000000100000002000000030105", "ERR_RTP_BAD_PADDING"],
];
for (const [name, bytes, code] of BAD) {
  test(`rejects ${name} with ${code}`, () => {
    expectErrorCode(() => decodeRtp(hexBytes(bytes)), code, ParseError);
  });
}

test("tells RTCP from RTP by the second byte (RFC 5761)", () => {
  assert.ok(isRtcp(hexBytes("80c8000c")));
  assert.ok(isRtcp(hexBytes("81cd0002")));
  assert.not.ok(isRtcp(hexBytes("80600001")));
  assert.not.ok(isRtcp(hexBytes("80e00001"))); // marker + PT 96
});

test("fuzzed packets throw only ParseError and what decodes re-encodes to the same packet", () => {
  const report = runFuzz("rtp-packet", {
    seed: 0x7e7,
    count: 4000,
    inputs: RTP_CASES.map((c) => c.bytes),
    check: (bytes) => {
      const p = decodeRtp(bytes);
      const again = decodeRtp(encodeRtp(p));
      assert.equal(hex(again.payload), hex(p.payload));
      assert.equal(again.extensions.length, p.extensions.length);
    },
  });
  assert.ok(report.accepted > 100 && report.codes.size >= 3, `accepted ${report.accepted}, codes ${[...report.codes.keys()]}`);
});

test.run();

const wire = e2eSuite("rtp/packet vs tshark", ["tshark"]);

for (const { name } of RTP_CAPTURES) {
  wire(`every RTP packet of ${name} decodes to tshark's rtp fields and re-encodes byte-exact`, () => {
    const path = capturePath(name);
    if (!path) return;
    const fields = ["frame.number", "rtp.marker", "rtp.p_type", "rtp.seq", "rtp.timestamp", "rtp.ssrc", "rtp.csrc.item", "rtp.padding", "rtp.ext.profile", "rtp.ext.rfc5285.id", "rtp.ext.rfc5285.data"];
    const rows = tsharkFields(path, fields, "rtp.ssrc && !icmp && !rtcp && !stun", { options: HEURISTICS });
    const byFrame = new Map(datagrams(path).map((d) => [d.frame, d]));
    assert.ok(rows.length > 0, "tshark found RTP");
    for (const row of rows) {
      const frame = Number(row[0]![0]);
      const d = byFrame.get(frame);
      assert.ok(d, `frame ${frame} is a UDP datagram`);
      const p = decodeRtp(d.payload);
      const got = [p.marker ? "1" : "0", String(p.payloadType), String(p.sequenceNumber), String(p.timestamp), `0x${p.ssrc.toString(16).padStart(8, "0")}`];
      assert.equal(got, [row[1]![0], row[2]![0], row[3]![0], row[4]![0], row[5]![0]], `frame ${frame}`);
      assert.equal(p.csrcs.length, row[6]!.length);
      assert.is(p.padding > 0 ? "1" : "0", row[7]![0]);
      if (p.extension) {
        assert.is(p.extension.profile, Number(row[8]![0]));
        assert.equal(p.extensions.map((e) => String(e.id)), row[9]);
        assert.equal(p.extensions.map((e) => hex(e.data)), row[10]!.map((h) => h.replace(/:/g, "")));
      }
      assert.is(hex(encodeRtp(p)), hex(d.payload), `frame ${frame} re-encodes`);
    }
    if (name === STR0M) assert.is(rows.length, 298);
  });
}

wire.run();
