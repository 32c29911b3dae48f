import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeSipMessage } from "../../../src/sip/message/parse.ts";
import { encodeSipMessage, encodeSipHead } from "../../../src/sip/message/serialize.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { TORTURE_CASES } from "./torture.cases.ts";

const enc = (t: string) => new TextEncoder().encode(t);
const test = suite("sip message serialize");

const request: SipMessage = {
  type: "request",
  method: "INVITE",
  uri: "sip:bob@example.com",
  headers: [
    { name: "Via", value: "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx;rport" },
    { name: "From", value: "<sip:alice@example.com>;tag=a" },
    { name: "To", value: "<sip:bob@example.com>" },
    { name: "Call-ID", value: "c@h" },
    { name: "CSeq", value: "1 INVITE" },
    { name: "Content-Type", value: "application/sdp" },
    { name: "Content-Length", value: "999" },
  ],
  body: enc("v=0\r\n"),
};

test("writes the start line, one line per field, a Content-Length from the body, CRLF and the body", () => {
  const text = new TextDecoder().decode(encodeSipMessage(request));
  assert.is(text, "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx;rport\r\nFrom: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: c@h\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
});

test("writes a status line with its reason", () => {
  assert.ok(encodeSipHead({ type: "response", status: 486, reason: "Busy Here", headers: [], body: new Uint8Array(0) }).startsWith("SIP/2.0 486 Busy Here\r\n"));
});

test("refuses CR, LF, NUL and other controls in the Request-URI, a header name or value, or a reason; a tab inside a value is legal", () => {
  const bad: SipMessage[] = [
    { ...request, uri: "sip:bob@example.com SIP/2.0\r\nX-Injected: 1\r\n\r\nINVITE sip:x" },
    { ...request, headers: [...request.headers, { name: "From", value: '"a\r\nX-Injected: 1" <sip:a@h>' }] },
    { ...request, headers: [...request.headers, { name: "Subject", value: "a\nb" }] },
    { ...request, headers: [...request.headers, { name: "Subject", value: "a\u0000b" }] },
    { ...request, headers: [...request.headers, { name: "X\r\nY", value: "1" }] },
    { type: "response", status: 200, reason: "OK\r\nX-Injected: 1", headers: [], body: new Uint8Array(0) },
  ];
  for (const message of bad) assert.throws(() => encodeSipHead(message), (err: Error & { code?: string }) => err.code === "ERR_SIP_ENCODE" && /control character/.test(err.message));
  assert.match(encodeSipHead({ ...request, headers: [{ name: "Subject", value: "a\tb" }] }), "Subject: a\tb\r\n");
});

test("every valid torture message survives decode -> encode -> decode with the same fields and body", () => {
  let n = 0;
  for (const c of TORTURE_CASES.filter((c) => c.expect === "valid")) {
    const once = decodeSipMessage(enc(c.text));
    const twice = decodeSipMessage(encodeSipMessage(once));
    assert.equal({ ...twice, headers: twice.headers.filter((h) => h.name !== "Content-Length") }, { ...once, headers: once.headers.filter((h) => h.name !== "Content-Length") }, c.name);
    n++;
  }
  assert.ok(n >= 15);
});

test.run();
