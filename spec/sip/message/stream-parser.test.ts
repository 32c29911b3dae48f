import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { SipStreamParser } from "../../../src/sip/message/stream-parser.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import { lines } from "./torture.cases.ts";

const enc = (t: string) => new TextEncoder().encode(t);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const test = suite("sip stream parser");

const one = lines("INVITE sip:b@x SIP/2.0", "Via: SIP/2.0/TCP h;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: s1", "CSeq: 1 INVITE", "Content-Type: application/sdp", "Content-Length: 10", "", "v=0\r\ns=-\r\n");
const two = lines("SIP/2.0 200 OK", "Via: SIP/2.0/TCP h;branch=z9hG4bK1", "From: <sip:a@x>;tag=1", "To: <sip:b@x>;tag=2", "Call-ID: s2", "CSeq: 1 INVITE", "", "");
const three = lines("BYE sip:b@x SIP/2.0", "v: SIP/2.0/TCP h;branch=z9hG4bK3", "f: <sip:a@x>;tag=1", "t: <sip:b@x>;tag=2", "i: s3", "CSeq: 2 BYE", "l: 0", "", "");
const all = enc(`\r\n${one}${two}\r\n\r\n${three}`);

test("frames back-to-back messages by Content-Length, a missing one meaning no body, CRLF keep-alives skipped", () => {
  const out = new SipStreamParser().push(all);
  assert.equal(out.map((m) => headerValue(m, "Call-ID")), ["s1", "s2", "s3"]);
  assert.is(dec(out[0].body), "v=0\r\ns=-\r\n");
  assert.is(out[1].body.length, 0);
});

test("gives the same messages when fed byte by byte", () => {
  const p = new SipStreamParser();
  const got: string[] = [];
  for (let i = 0; i < all.length; i++) for (const m of p.push(all.subarray(i, i + 1))) got.push(headerValue(m, "Call-ID")!);
  assert.equal(got, ["s1", "s2", "s3"]);
  assert.is(p.pending, 0);
});

test("gives the same messages when split at every offset", () => {
  for (let cut = 1; cut < all.length; cut++) {
    const p = new SipStreamParser();
    const got = [...p.push(all.subarray(0, cut)), ...p.push(all.subarray(cut))].map((m) => headerValue(m, "Call-ID"));
    assert.equal(got, ["s1", "s2", "s3"], `cut at ${cut}`);
  }
});

test("holds a partial body until it is complete", () => {
  const p = new SipStreamParser();
  const bytes = enc(one);
  assert.equal(p.push(bytes.subarray(0, bytes.length - 3)), []);
  assert.is(p.push(bytes.subarray(bytes.length - 3)).length, 1);
});

test("a body of the largest allowed size in 1 KB chunks arrives whole, and the caller may reuse its chunk buffer", () => {
  const body = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  const head = enc(lines("MESSAGE sip:b@x SIP/2.0", "Via: SIP/2.0/TCP h;branch=z9hG4bK9", "From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: big", "CSeq: 1 MESSAGE", "Content-Type: application/octet-stream", `Content-Length: ${body.length}`, "", ""));
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  const p = new SipStreamParser();
  const reused = new Uint8Array(1024);
  const out = [];
  for (let at = 0; at < bytes.length; at += reused.length) {
    const piece = bytes.subarray(at, at + reused.length);
    reused.set(piece);
    out.push(...p.push(reused.subarray(0, piece.length)));
    reused.fill(0);
  }
  assert.is(out.length, 1);
  assert.is(headerValue(out[0]!, "Call-ID"), "big");
  assert.ok(Buffer.from(out[0]!.body).equals(Buffer.from(body)), "the body is the sent bytes");
  assert.is(p.pending, 0);
});

const BAD: [string, string, string][] = [
  ["an announced body over the limit", lines("SIP/2.0 200 OK", "Content-Length: 5000000", "", ""), SIP_PARSE_ERR.BODY_TOO_LARGE],
  ["a header block that never ends", `OPTIONS sip:b@x SIP/2.0\r\nX: ${"a".repeat(70000)}`, SIP_PARSE_ERR.HEADERS_TOO_LARGE],
  ["a non-numeric Content-Length", lines("SIP/2.0 200 OK", "Content-Length: ten", "", ""), SIP_PARSE_ERR.CONTENT_LENGTH],
  ["a garbage start line", "HELLO\r\n\r\n", SIP_PARSE_ERR.START_LINE],
];
for (const [name, text, code] of BAD) {
  test(`fails with ${code} on ${name}, and keeps failing (the connection must close)`, () => {
    const p = new SipStreamParser();
    let first: unknown;
    try {
      p.push(enc(text));
    } catch (err) {
      first = err;
    }
    assert.instance(first, ParseError);
    assert.is((first as ParseError).code, code);
    assert.throws(() => p.push(enc("SIP/2.0 200 OK\r\n\r\n")), (e: unknown) => e instanceof ParseError && e.code === code);
  });
}

test.run();
