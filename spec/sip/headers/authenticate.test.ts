import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { SIP_PARSE_ERR } from "../../../src/sip/errors.ts";
import { decodeAuthParams, decodeDigestChallenge, encodeAuthParams } from "../../../src/sip/headers/authenticate.ts";

const test = suite("sip WWW-Authenticate / Authorization");

test("decodes the Asterisk challenge of the Linphone capture", () => {
  assert.equal(decodeDigestChallenge('Digest algorithm=MD5, realm="asterisk", nonce="2d4e7982"'), { realm: "asterisk", nonce: "2d4e7982", algorithm: "MD5", qop: [], stale: false });
});

test("decodes qop lists, opaque and stale", () => {
  const c = decodeDigestChallenge('Digest realm="biloxi.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41", stale=true');
  assert.equal(c.qop, ["auth", "auth-int"]);
  assert.is(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  assert.is(c.stale, true);
});

test("encodes credentials with algorithm, qop and nc unquoted and the rest quoted", () => {
  const text = encodeAuthParams({ scheme: "Digest", params: { username: "bob", realm: "r", nonce: "n", uri: "sip:r", response: "00", algorithm: "MD5", qop: "auth", nc: "00000001", cnonce: "c" } });
  assert.is(text, 'Digest username="bob", realm="r", nonce="n", uri="sip:r", response="00", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"');
  assert.equal(decodeAuthParams(text).params.nc, "00000001");
});

for (const [name, text] of [["a Basic challenge", 'Basic realm="x"'], ["no nonce", 'Digest realm="x"'], ["a parameter without '='", 'Digest realm="x" nonce'], ["an unterminated quote", 'Digest realm="x, nonce="y']] as const) {
  test(`rejects ${name} with ${SIP_PARSE_ERR.CHALLENGE}`, () => {
    assert.throws(() => decodeDigestChallenge(text), (e: unknown) => e instanceof ParseError && e.code === SIP_PARSE_ERR.CHALLENGE);
  });
}

test.run();
