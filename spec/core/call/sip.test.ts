/** Where a call's SIP goes: the host of sipDomain or sipOutboundProxy, given as host[:port] or as a SIP URI. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { hostOf } from "../../../src/core/call/sip.ts";

const test = suite("core/call/sip");

test("the host of host, host:port, a sip: or sips: URI with user, port and parameters, and a bracketed IPv6 address", () => {
  assert.is(hostOf("pbx.example.com"), "pbx.example.com");
  assert.is(hostOf("10.0.0.5:5080"), "10.0.0.5");
  assert.is(hostOf("sip:proxy.example.com:5070;transport=tcp;lr"), "proxy.example.com");
  assert.is(hostOf("SIPS:alice@secure.example.com"), "secure.example.com");
  assert.is(hostOf("[2001:db8::1]:5060"), "[2001:db8::1]");
  assert.is(hostOf("sip:[::1]"), "[::1]");
});

for (const value of ["", "pbx example.com", "host_name", "[::1", "10.0.0.5:99999"]) {
  test(`${JSON.stringify(value)} is a ParseError ${SIP_PARSE_ERR.URI}`, () => {
    try {
      hostOf(value);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, SIP_PARSE_ERR.URI);
    }
  });
}

test.run();
