import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeSipUri, encodeSipUri } from "../../../src/sip/headers/uri.ts";

const test = suite("sip URI");

const CASES: [string, ReturnType<typeof decodeSipUri>][] = [
  ["sip:alice@atlanta.com", { scheme: "sip", user: "alice", host: "atlanta.com", params: {}, headers: {} }],
  ["sip:alice:secretword@atlanta.com;transport=tcp", { scheme: "sip", user: "alice", password: "secretword", host: "atlanta.com", params: { transport: "tcp" }, headers: {} }],
  ["sips:alice@atlanta.com?subject=project%20x&priority=urgent", { scheme: "sips", user: "alice", host: "atlanta.com", params: {}, headers: { subject: "project%20x", priority: "urgent" } }],
  ["sip:+1-212-555-1212:1234@gateway.com;user=phone", { scheme: "sip", user: "+1-212-555-1212", password: "1234", host: "gateway.com", params: { user: "phone" }, headers: {} }],
  ["sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", { scheme: "sip", host: "atlanta.com", params: { method: "REGISTER" }, headers: { to: "alice%40atlanta.com" } }],
  ["sip:[2001:db8::10]:5070;lr", { scheme: "sip", host: "[2001:db8::10]", port: 5070, params: { lr: null }, headers: {} }],
];
for (const [text, value] of CASES) {
  test(`decodes and re-encodes ${text} (RFC 3261 19.1.3 examples)`, () => {
    assert.equal(decodeSipUri(text), value);
    assert.is(encodeSipUri(value), text);
  });
}

const BAD: [string, string][] = [
  ["another scheme", "tel:+1234"],
  ["a bad port", "sip:a@b:99999"],
  ["an empty user", "sip:@b"],
  ["a space", "sip:a@b c"],
  ["an unterminated IPv6 reference", "sip:[2001:db8::1"],
];
for (const [name, text] of BAD) {
  test(`rejects ${name} with ${SIP_PARSE_ERR.URI}`, () => {
    assert.throws(() => decodeSipUri(text), (e: unknown) => e instanceof ParseError && e.code === SIP_PARSE_ERR.URI);
  });
}

test.run();
