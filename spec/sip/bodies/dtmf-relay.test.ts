/** The dtmf-relay INFO body: Signal and Duration lines built and read; a bad body maps to a stable error code. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeDtmfRelay, encodeDtmfRelay } from "../../../src/sip/bodies/dtmf-relay.ts";

const test = suite("sip/bodies/dtmf-relay");

test("dtmf-relay is Signal and Duration lines with CRLF, and reads back (LF and case tolerated)", () => {
  assert.is(encodeDtmfRelay({ signal: "5", durationMs: 160 }), "Signal=5\r\nDuration=160\r\n");
  assert.equal(decodeDtmfRelay("Signal=5\r\nDuration=160\r\n"), { signal: "5", durationMs: 160 });
  assert.equal(decodeDtmfRelay("signal= #\nduration=250"), { signal: "#", durationMs: 250 });
  assert.equal(decodeDtmfRelay("Signal=a"), { signal: "A", durationMs: 250 });
});

for (const body of ["Signal=12\r\nDuration=100", "Duration=100", "Signal=x", "Signal=1\r\nDuration=-5", "Signal=1\r\nDuration=abc"]) {
  test(`dtmf-relay ${JSON.stringify(body)} is a ParseError ${SIP_PARSE_ERR.DTMF_RELAY}`, () => {
    try {
      decodeDtmfRelay(body);
      assert.unreachable();
    } catch (err) {
      assert.is((err as ParseError).code, SIP_PARSE_ERR.DTMF_RELAY);
    }
  });
}

test.run();
