import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeSipMessage, decodeSipHead } from "../../../src/sip/message/parse.ts";
import { headerValue, headerValues } from "../../../src/sip/message/headers.ts";
import { decodeVia } from "../../../src/sip/headers/via.ts";
import { decodeNameAddr } from "../../../src/sip/headers/name-addr.ts";
import { decodeCSeq } from "../../../src/sip/headers/cseq.ts";
import { TORTURE_CASES, lines } from "./torture.cases.ts";

const enc = (t: string) => new TextEncoder().encode(t);
const test = suite("sip message parse");

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err.code;
    throw err;
  }
  return "no error";
}

test("decodes a request line, headers in order and the body cut at Content-Length", () => {
  const bytes = enc(lines("INFO sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa1;rport", "From: <sip:a@x>;tag=1", "To: <sip:bob@example.com>;tag=2", "Call-ID: c1", "CSeq: 7 INFO", "Content-Type: application/dtmf-relay", "Content-Length: 5", "", "abcdeEXTRA"));
  const m = decodeSipMessage(bytes);
  assert.is(m.type, "request");
  if (m.type !== "request") return;
  assert.is(m.method, "INFO");
  assert.is(m.uri, "sip:bob@example.com");
  assert.is(new TextDecoder().decode(m.body), "abcde");
  assert.equal(m.headers.map((h) => h.name), ["Via", "From", "To", "Call-ID", "CSeq", "Content-Type", "Content-Length"]);
});

test("leaves its input unchanged and returns a body that does not alias it", () => {
  const bytes = enc(lines("MESSAGE sip:b@x SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: c", "CSeq: 1 MESSAGE", "Content-Type: text/plain", "Content-Length: 2", "", "hi"));
  const copy = bytes.slice();
  const m = decodeSipMessage(bytes);
  assert.equal(bytes, copy);
  bytes[bytes.length - 1] = 0;
  assert.is(new TextDecoder().decode(m.body), "hi");
});

test("expands compact header names and splits list headers at commas outside quotes and <>", () => {
  const m = decodeSipMessage(enc(lines("OPTIONS sip:b@x SIP/2.0", "v: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b:5061;branch=z9hG4bK2", "f: \"Doe, John\" <sip:a@x>;tag=9", "t: <sip:b@x>", "i: cid", "CSeq: 1 OPTIONS", "m: \"A, B\" <sip:a@h1>, <sip:a@h2;x=1,2>", "l: 0", "", "")));
  assert.equal(headerValues(m, "Via").map((v) => decodeVia(v).host), ["a", "b"]);
  assert.is(decodeNameAddr(headerValue(m, "From")!).displayName, "Doe, John");
  assert.equal(headerValues(m, "Contact"), ['"A, B" <sip:a@h1>', "<sip:a@h2;x=1,2>"]);
  assert.is(headerValue(m, "i"), "cid");
});

test("unfolds continuation lines into one value", () => {
  const head = decodeSipHead(enc("SIP/2.0 200 OK\r\nSubject: one\r\n two\r\n\tthree\r\nCSeq: 1\r\n  INVITE\r\n\r\n"));
  assert.is(headerValue(head, "Subject"), "one two three");
  assert.equal(decodeCSeq(headerValue(head, "CSeq")!), { seq: 1, method: "INVITE" });
});

test("accepts bare LF line ends and ignores CRLFs before the start line", () => {
  const m = decodeSipMessage(enc("\r\n\r\nSIP/2.0 180 Ringing\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>;tag=2\nCall-ID: c\nCSeq: 1 INVITE\n\n"));
  assert.is(m.type === "response" && m.status, 180);
});

test("stops at the header limits with their own codes", () => {
  const many = lines("OPTIONS sip:b@x SIP/2.0", ...Array.from({ length: 20 }, (_, i) => `X-H${i}: ${i}`), "", "");
  assert.is(codeOf(() => decodeSipMessage(enc(many), { limits: { maxHeaders: 10, maxHeaderBytes: 65536, maxBodyBytes: 10 } })), SIP_PARSE_ERR.TOO_MANY_HEADERS);
  assert.is(codeOf(() => decodeSipMessage(enc(many), { limits: { maxHeaders: 100, maxHeaderBytes: 100, maxBodyBytes: 10 } })), SIP_PARSE_ERR.HEADERS_TOO_LARGE);
});

const torture = TORTURE_CASES;
for (const c of torture) {
  test(`RFC 4475 corpus: ${c.name} -> ${c.expect}`, () => {
    const code = codeOf(() => decodeSipMessage(enc(c.text)));
    assert.is(code, c.expect === "valid" ? "no error" : c.expect);
  });
}

test("RFC 4475 3.1.1.1 wsinv decodes to the values the RFC describes", () => {
  const m = decodeSipMessage(enc(torture[0].text));
  assert.is(decodeCSeq(headerValue(m, "CSeq")!).seq, 9);
  assert.is(headerValue(m, "Max-Forwards"), "0068");
  assert.is(decodeNameAddr(headerValue(m, "To")!).params.tag, "1918181833n");
  assert.is(decodeNameAddr(headerValue(m, "From")!).displayName, 'J Rosenberg \\"');
  assert.equal(headerValues(m, "Via").map((v) => decodeVia(v).params.branch), ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"]);
  assert.is(decodeVia(headerValues(m, "Via")[1]).transport, "TCP");
  assert.is(headerValue(m, "NewFangledHeader"), "newfangled value continued newfangled value");
  assert.is(decodeNameAddr(headerValue(m, "Contact")!).params.q, "0.33");
  assert.ok(m.body.length > 100);
});

test("refuses a bare CR, a NUL or another control character in a header, a reason phrase or the Request-URI (Kamailio does too); a tab is LWS", () => {
  assert.is(codeOf(() => decodeSipHead(enc("SIP/2.0 200 OK\r\nSubject: a\rX-Injected: 1\r\n\r\n"))), "ERR_SIP_HEADER_LINE");
  assert.is(codeOf(() => decodeSipHead(enc("SIP/2.0 200 OK\r\nSubject: a\u0000b\r\n\r\n"))), "ERR_SIP_HEADER_LINE");
  assert.is(codeOf(() => decodeSipHead(enc("SIP/2.0 200 O\u0001K\r\n\r\n"))), "ERR_SIP_START_LINE");
  assert.is(codeOf(() => decodeSipHead(enc("OPTIONS sip:b@x\u0000 SIP/2.0\r\n\r\n"))), "ERR_SIP_REQUEST_URI");
  assert.is(headerValue(decodeSipHead(enc("SIP/2.0 200 OK\r\nSubject: a\tb\r\n\r\n")), "Subject"), "a\tb");
});

test.run();
