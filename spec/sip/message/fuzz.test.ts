/**
 * Fuzzing the SIP decoder with the seeded mutator over real captured messages (the copy-OK
 * Linphone/Asterisk captures) and the valid torture messages: only ParseError may escape, and
 * whatever decodes re-encodes to a message that decodes to the same value.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { runFuzz } from "../../support/fuzz.ts";
import { fixture } from "../../support/fixtures.ts";
import { readCapture, udpDatagrams } from "../../../src/pcap/index.ts";
import { decodeSipMessage } from "../../../src/sip/message/parse.ts";
import { encodeSipMessage } from "../../../src/sip/message/serialize.ts";
import { SipStreamParser } from "../../../src/sip/message/stream-parser.ts";
import { TORTURE_CASES } from "./torture.cases.ts";

const test = suite("sip message fuzz");

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const name of ["sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", "sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap"]) {
    for (const d of udpDatagrams(readCapture(new Uint8Array(readFileSync(fixture(name)))))) {
      if (d.srcPort === 5060 || d.dstPort === 5060) out.push(d.payload);
    }
  }
  for (const c of TORTURE_CASES) if (c.expect === "valid") out.push(new TextEncoder().encode(c.text));
  return out;
}

const inputs = seeds();
const strip = <T extends { headers: readonly { name: string }[] }>(m: T) => ({ ...m, headers: m.headers.filter((h) => h.name !== "Content-Length") });

test("has real captured SIP messages to start from", () => {
  assert.ok(inputs.length > 40, `${inputs.length} seeds`);
});

test("2,500 mutated datagrams: only ParseError escapes, and what decodes round-trips", () => {
  const report = runFuzz("sip-message", {
    seed: 0x51b,
    count: 2500,
    inputs,
    check: (bytes) => {
      const m = decodeSipMessage(bytes);
      const again = decodeSipMessage(encodeSipMessage(m));
      assert.equal(strip(again), strip(m));
    },
  });
  console.log(`  sip fuzz: ${report.cases} cases, ${report.accepted} accepted, codes ${[...report.codes].map(([c, n]) => `${c}=${n}`).join(" ")}`);
  assert.ok(report.cases >= 2500);
  assert.ok(report.codes.size >= 5, "the mutations reach several distinct checks");
});

test("1,000 mutated streams of two messages each: the stream parser throws only ParseError", () => {
  const pairs = inputs.map((b, i) => {
    const next = inputs[(i + 1) % inputs.length];
    const out = new Uint8Array(b.length + next.length);
    out.set(b);
    out.set(next, b.length);
    return out;
  });
  const report = runFuzz("sip-stream", {
    seed: 0x7c9,
    count: 1000,
    inputs: pairs,
    check: (bytes) => {
      const p = new SipStreamParser();
      for (let i = 0; i < bytes.length; i += 97) p.push(bytes.subarray(i, i + 97));
    },
  });
  assert.ok(report.cases >= 1000);
});

test.run();
