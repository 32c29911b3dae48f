import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fixture } from "../support/fixtures.ts";
import { readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { DigestClient, digestResponse } from "../../src/sip/digest.ts";
import { decodeAuthParams, decodeDigestChallenge } from "../../src/sip/headers/authenticate.ts";
import { decodeSipMessage } from "../../src/sip/message/parse.ts";
import { headerValue } from "../../src/sip/message/headers.ts";
import type { SipMessage } from "../../src/sip/messages.ts";

const test = suite("sip digest");

test("RFC 2617 3.5 example: Mufasa / Circle Of Life with qop=auth gives 6629fae49393a05397450978507c4ef1", () => {
  const response = digestResponse({
    username: "Mufasa",
    password: "Circle Of Life",
    realm: "testrealm@host.com",
    nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    method: "GET",
    uri: "/dir/index.html",
    qop: "auth",
    nc: "00000001",
    cnonce: "0a4f113b",
  });
  assert.is(response, "6629fae49393a05397450978507c4ef1");
});

test("RFC 7616 3.9.1 example: the same exchange with SHA-256 gives 753927fa...3ef18c96", () => {
  const response = digestResponse({
    username: "Mufasa",
    password: "Circle of Life",
    realm: "http-auth@example.org",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    method: "GET",
    uri: "/dir/index.html",
    algorithm: "SHA-256",
    qop: "auth",
    nc: "00000001",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  });
  assert.is(response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
});

test("RFC 7616 3.9.1 example with MD5 gives 8ca523f5e9506fed4657c9700eebdbec", () => {
  const response = digestResponse({
    username: "Mufasa",
    password: "Circle of Life",
    realm: "http-auth@example.org",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    method: "GET",
    uri: "/dir/index.html",
    qop: "auth",
    nc: "00000001",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  });
  assert.is(response, "8ca523f5e9506fed4657c9700eebdbec");
});

test("MD5-sess folds nonce and cnonce into HA1, so it differs from MD5 for the same input", () => {
  const base = { username: "u", password: "p", realm: "r", nonce: "n", method: "INVITE", uri: "sip:x@y", qop: "auth" as const, nc: "00000001", cnonce: "c" };
  assert.is.not(digestResponse({ ...base, algorithm: "MD5-sess" }), digestResponse(base));
  assert.match(digestResponse({ ...base, algorithm: "MD5-sess" }), /^[0-9a-f]{32}$/);
});

test("counts nc per nonce, answers qop=auth with cnonce, echoes opaque and omits qop for RFC 2069 challenges", () => {
  const client = new DigestClient({ username: "alice", password: "secret" }, () => "0a4f113b");
  const challenge = decodeDigestChallenge('Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth,auth-int", opaque="5ccc", algorithm=MD5');
  const first = decodeAuthParams(client.authorize(challenge, { method: "INVITE", uri: "sip:bob@atlanta.com" })).params;
  const second = decodeAuthParams(client.authorize(challenge, { method: "INVITE", uri: "sip:bob@atlanta.com" })).params;
  assert.is(first.nc, "00000001");
  assert.is(second.nc, "00000002");
  assert.is(first.qop, "auth");
  assert.is(first.opaque, "5ccc");
  assert.is(first.response, digestResponse({ username: "alice", password: "secret", realm: "atlanta.com", nonce: "84a4cc6f", method: "INVITE", uri: "sip:bob@atlanta.com", qop: "auth", nc: "00000001", cnonce: "0a4f113b" }));
  const plain = decodeAuthParams(client.authorize(decodeDigestChallenge('Digest realm="r", nonce="n1"'), { method: "REGISTER", uri: "sip:r" })).params;
  assert.equal(Object.keys(plain).sort(), ["algorithm", "nonce", "realm", "response", "uri", "username"]);
});

test("reads stale=true, a missing qop and a default algorithm from challenges", () => {
  const c = decodeDigestChallenge('Digest realm="x", nonce="y", stale=TRUE');
  assert.equal(c, { realm: "x", nonce: "y", algorithm: "MD5", qop: [], stale: true });
});

function sipMessages(name: string): SipMessage[] {
  return udpDatagrams(readCapture(new Uint8Array(readFileSync(fixture(name)))))
    .filter((d) => (d.srcPort === 5060 || d.dstPort === 5060) && /^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0\r)/.test(new TextDecoder().decode(d.payload.subarray(0, 120))))
    .map((d) => decodeSipMessage(d.payload));
}

for (const name of ["sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", "sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap"]) {
  test(`answers the challenges of ${name} with the same parameters Linphone sent (password unknown: structure only)`, () => {
    const messages = sipMessages(name);
    let checked = 0;
    for (const m of messages) {
      const theirs = headerValue(m, "Authorization");
      if (!theirs || m.type !== "request") continue;
      const sent = decodeAuthParams(theirs).params;
      const challenge = messages.map((r) => headerValue(r, "WWW-Authenticate")).find((v) => v && decodeDigestChallenge(v).nonce === sent.nonce);
      assert.ok(challenge, "the challenge this answer belongs to is in the capture");
      const ours = decodeAuthParams(new DigestClient({ username: sent.username, password: "unknown" }).authorize(decodeDigestChallenge(challenge!), { method: m.method, uri: sent.uri })).params;
      assert.equal(Object.keys(ours).sort(), Object.keys(sent).sort());
      for (const k of ["username", "realm", "nonce", "uri", "algorithm"]) assert.is(ours[k], sent[k], k);
      assert.match(ours.response, /^[0-9a-f]{32}$/);
      checked++;
    }
    assert.ok(checked >= 1);
  });
}

test.run();
