import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeCSeq, encodeCSeq } from "../../../src/sip/headers/cseq.ts";

const test = suite("sip CSeq header");

test("decodes number and method and encodes them back", () => {
  assert.equal(decodeCSeq(" 4711   INVITE "), { seq: 4711, method: "INVITE" });
  assert.is(encodeCSeq({ seq: 1, method: "REGISTER" }), "1 REGISTER");
});

for (const [name, text] of [["no method", "12"], ["two methods", "1 INVITE ACK"], ["a number above 2**32-1", "4294967296 INVITE"], ["a negative number", "-1 BYE"]] as const) {
  test(`rejects ${name} with ${SIP_PARSE_ERR.CSEQ}`, () => {
    assert.throws(() => decodeCSeq(text), (e: unknown) => e instanceof ParseError && e.code === SIP_PARSE_ERR.CSEQ);
  });
}

test.run();
