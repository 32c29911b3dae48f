import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeNameAddr, encodeNameAddr } from "../../../src/sip/headers/name-addr.ts";

const test = suite("sip name-addr (From, To, Contact, Route)");

const CASES: [string, string, ReturnType<typeof decodeNameAddr>][] = [
  ["a quoted display name with an escaped quote", '"Bob \\"B\\"" <sip:bob@biloxi.com>;tag=a6c85cf', { displayName: 'Bob "B"', uri: "sip:bob@biloxi.com", params: { tag: "a6c85cf" } }],
  ["token display names", "Alice Liddell <sip:alice@atlanta.com>", { displayName: "Alice Liddell", uri: "sip:alice@atlanta.com", params: {} }],
  ["an addr-spec whose parameters belong to the header", "sip:+12125551212@server.phone2net.com;tag=887s", { uri: "sip:+12125551212@server.phone2net.com", params: { tag: "887s" } }],
  ["a URI with its own parameters inside <>", "<sip:proxy.example.com;lr;transport=tcp>", { uri: "sip:proxy.example.com;lr;transport=tcp", params: {} }],
  ["Contact parameters", "<sip:a@192.0.2.4:5070>;expires=3600;q=0.7", { uri: "sip:a@192.0.2.4:5070", params: { expires: "3600", q: "0.7" } }],
  ["a tel URI", "<tel:+358-555-1234567>;tag=x", { uri: "tel:+358-555-1234567", params: { tag: "x" } }],
];
for (const [name, text, value] of CASES) test(`decodes ${name}`, () => assert.equal(decodeNameAddr(text), value));

test("encodes what it decodes", () => {
  for (const [, text] of CASES) assert.equal(decodeNameAddr(encodeNameAddr(decodeNameAddr(text))), decodeNameAddr(text));
});

const BAD: [string, string][] = [
  ["an unterminated display name", '"Mr. J. User <sip:j.user@example.com>'],
  ["a comma in an unquoted display name", "Bell, Alexander <sip:a.g.bell@bell-tel.com>"],
  ["a missing '>'", "<sip:a@b"],
  ["whitespace in an addr-spec", "sip:user@ example.com"],
  ["headers in an addr-spec", "sip:user@example.com?Route=x"],
  ["no scheme", "<user@example.com>"],
];
for (const [name, text] of BAD) {
  test(`rejects ${name} with ${SIP_PARSE_ERR.NAME_ADDR}`, () => {
    assert.throws(() => decodeNameAddr(text), (e: unknown) => e instanceof ParseError && e.code === SIP_PARSE_ERR.NAME_ADDR);
  });
}

test.run();
