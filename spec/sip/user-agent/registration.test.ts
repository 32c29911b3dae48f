/**
 * Registration (src/sip/user-agent/registration.ts) against a scripted far end over the in-memory
 * transport pair, with a manual clock.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { headerValue } from "../../../src/sip/message/headers.ts";
import { decodeAuthParams } from "../../../src/sip/headers/authenticate.ts";
import { digestResponse } from "../../../src/sip/digest.ts";
import { settle } from "../support/far-end.ts";
import { setup } from "../support/ua.ts";

const test = suite("sip registration");

test("REGISTER answers a 401 (qop=auth) with a correct digest, reports the granted expiry, refreshes before it and un-registers with Expires: 0", async () => {
  const { clock, ua, far } = setup();
  far.script = (req, tx, core) => {
    if (!headerValue(req, "Authorization")) {
      tx.respond(core.createResponse(req, 401, { toTag: "reg", headers: [{ name: "WWW-Authenticate", value: 'Digest realm="test", nonce="n1", qop="auth", opaque="op"' }] }));
      return;
    }
    const expires = headerValue(req, "Expires");
    tx.respond(core.createResponse(req, 200, { toTag: "reg", headers: [{ name: "Contact", value: `${headerValue(req, "Contact")};expires=${expires === "0" ? 0 : 120}` }] }));
  };
  const reg = ua.register({ expires: 600 });
  const granted = reg.register();
  await settle();
  assert.is(await granted, 120);
  assert.is(reg.state, "registered");
  const answer = far.requests[1];
  const auth = decodeAuthParams(headerValue(answer, "Authorization")!).params;
  assert.is(auth.response, digestResponse({ username: "alice", password: "secret", realm: "test", nonce: "n1", method: "REGISTER", uri: "sip:127.0.0.1:5080", qop: "auth", nc: auth.nc, cnonce: auth.cnonce }));
  assert.is(auth.opaque, "op");
  assert.is(headerValue(answer, "CSeq"), "2 REGISTER");
  assert.is(headerValue(answer, "Call-ID"), headerValue(far.requests[0], "Call-ID"));
  clock.advance(87_999);
  await settle();
  assert.is(far.requests.length, 2, "no refresh before 120 - 32 s");
  clock.advance(1);
  await settle();
  assert.is(far.requests.length, 4, "refreshed 32 s before expiry, answering the challenge again");
  assert.is(headerValue(far.requests[3], "CSeq"), "4 REGISTER");
  assert.is(decodeAuthParams(headerValue(far.requests[3], "Authorization")!).params.nc, "00000002", "nc counts on for the same nonce");
  assert.is(reg.state, "registered");
  const done = reg.unregister();
  await settle();
  await done;
  assert.is(reg.state, "unregistered");
  assert.is(headerValue(far.requests[far.requests.length - 1], "Expires"), "0");
});

test.run();
