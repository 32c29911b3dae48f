/**
 * SIP INFO bodies: RFC 5168 picture_fast_update built and read with fast-xml-parser (including the
 * body other gateways send), dtmf-relay built and read; bad bodies map to stable error codes.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { XMLValidator } from "fast-xml-parser";
import { ParseError } from "../../src/errors.ts";
import { decodeDtmfRelay, decodeMediaControl, encodeDtmfRelay, encodePictureFastUpdate, MEDIA_CONTROL_ERROR } from "../../src/core/call-media-control.ts";

const test = suite("core/call-media-control");

test("picture_fast_update is valid XML with the RFC 5168 element path, and reads back as a keyframe request", () => {
  const xml = encodePictureFastUpdate();
  assert.is(XMLValidator.validate(xml), true);
  assert.match(xml, /^<\?xml version="1.0" encoding="utf-8" \?>/);
  assert.match(xml.replace(/\s+/g, ""), /<media_control><vc_primitive><to_encoder><picture_fast_update\/><\/to_encoder><\/vc_primitive><\/media_control>/);
  assert.equal(decodeMediaControl(xml), { pictureFastUpdate: true });
});

test("reads the RFC 5168 example with an empty element pair, several primitives, and a general_error", () => {
  const rfc = '<?xml version="1.0" encoding="utf-8" ?>\r\n<media_control>\r\n  <vc_primitive>\r\n    <to_encoder>\r\n      <picture_fast_update>\r\n      </picture_fast_update>\r\n    </to_encoder>\r\n  </vc_primitive>\r\n</media_control>\r\n';
  assert.is(decodeMediaControl(rfc).pictureFastUpdate, true);
  const two = "<media_control><vc_primitive><to_encoder/></vc_primitive><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>";
  assert.is(decodeMediaControl(two).pictureFastUpdate, true);
  assert.equal(decodeMediaControl("<media_control><general_error>unsupported</general_error></media_control>"), { pictureFastUpdate: false, generalError: "unsupported" });
});

for (const [name, body] of [["broken XML", "<media_control><vc_primitive></media_control>"], ["another root", "<foo/>"], ["an empty body", ""]] as const) {
  test(`${name} is a ParseError ${MEDIA_CONTROL_ERROR.XML}`, () => {
    try {
      decodeMediaControl(body);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, MEDIA_CONTROL_ERROR.XML);
    }
  });
}

test("dtmf-relay is Signal and Duration lines with CRLF, and reads back (LF and case tolerated)", () => {
  assert.is(encodeDtmfRelay({ signal: "5", durationMs: 160 }), "Signal=5\r\nDuration=160\r\n");
  assert.equal(decodeDtmfRelay("Signal=5\r\nDuration=160\r\n"), { signal: "5", durationMs: 160 });
  assert.equal(decodeDtmfRelay("signal= #\nduration=250"), { signal: "#", durationMs: 250 });
  assert.equal(decodeDtmfRelay("Signal=a"), { signal: "A", durationMs: 250 });
});

for (const body of ["Signal=12\r\nDuration=100", "Duration=100", "Signal=x", "Signal=1\r\nDuration=-5", "Signal=1\r\nDuration=abc"]) {
  test(`dtmf-relay ${JSON.stringify(body)} is a ParseError ${MEDIA_CONTROL_ERROR.DTMF_RELAY}`, () => {
    try {
      decodeDtmfRelay(body);
      assert.unreachable();
    } catch (err) {
      assert.is((err as ParseError).code, MEDIA_CONTROL_ERROR.DTMF_RELAY);
    }
  });
}

test.run();
