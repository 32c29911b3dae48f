/**
 * The media_control+xml INFO body: RFC 5168 picture_fast_update built and read with fast-xml-parser
 * (including the body other gateways send); a bad body maps to a stable error code.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { XMLValidator } from "fast-xml-parser";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeMediaControl, encodePictureFastUpdate } from "../../../src/sip/bodies/media-control.ts";

const test = suite("sip/bodies/media-control");

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
  test(`${name} is a ParseError ${SIP_PARSE_ERR.MEDIA_CONTROL}`, () => {
    try {
      decodeMediaControl(body);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, SIP_PARSE_ERR.MEDIA_CONTROL);
    }
  });
}

test.run();
