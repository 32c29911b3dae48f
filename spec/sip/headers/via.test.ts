import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeVia, encodeVia } from "../../../src/sip/headers/via.ts";

const test = suite("sip Via header");

const CASES: [string, string, ReturnType<typeof decodeVia>][] = [
  ["host, port, branch and an empty rport", "SIP/2.0/UDP 10.0.2.15:5060;branch=z9hG4bK790587745;rport", { protocol: "SIP/2.0", transport: "UDP", host: "10.0.2.15", port: 5060, params: { branch: "z9hG4bK790587745", rport: null } }],
  ["received and a filled rport", "SIP/2.0/TCP pc33.example.com;branch=z9hG4bK1;received=192.0.2.1;rport=6000", { protocol: "SIP/2.0", transport: "TCP", host: "pc33.example.com", params: { branch: "z9hG4bK1", received: "192.0.2.1", rport: "6000" } }],
  ["an IPv6 reference with a port", "SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK6", { protocol: "SIP/2.0", transport: "UDP", host: "[2001:db8::1]", port: 5070, params: { branch: "z9hG4bK6" } }],
  ["whitespace around '/' ';' and '='", "SIP / 2.0 / udp  h.example.com ; branch = z9hG4bK2", { protocol: "SIP/2.0", transport: "UDP", host: "h.example.com", params: { branch: "z9hG4bK2" } }],
];
for (const [name, text, value] of CASES) {
  test(`decodes ${name}`, () => assert.equal(decodeVia(text), value));
}

test("encodes what it decodes", () => {
  for (const [, text] of CASES) assert.equal(decodeVia(encodeVia(decodeVia(text))), decodeVia(text));
});

const BAD: [string, string][] = [
  ["no transport", "SIP/2.0 host;branch=z9hG4bK1"],
  ["no host", "SIP/2.0/UDP ;branch=z9hG4bK1"],
  ["a port above 65535", "SIP/2.0/UDP h:65536"],
  ["a bad host", "SIP/2.0/UDP h_o_s_t"],
  ["an empty parameter name", "SIP/2.0/UDP h;=1"],
  ["an unterminated quoted parameter", 'SIP/2.0/UDP h;x="abc'],
];
for (const [name, text] of BAD) {
  test(`rejects ${name} with ${SIP_PARSE_ERR.VIA}`, () => {
    assert.throws(() => decodeVia(text), (e: unknown) => e instanceof ParseError && e.code === SIP_PARSE_ERR.VIA);
  });
}

test.run();
