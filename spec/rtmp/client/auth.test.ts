import { createHash } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { authQuery, readChallenge } from "../../../src/rtmp/client/auth.ts";
import { reconnectDelay } from "../../../src/rtmp/client/backoff.ts";

const test = suite("rtmp/client/auth");

/** Raw query parsing as an RTMP server does it: no '+' -> ' ' decoding (base64 answers keep '+'). */
function rawQuery(q: string): Map<string, string> {
  return new Map(q.split("&").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]));
}
const md5 = (s: string, enc: "hex" | "base64") => createHash("md5").update(s).digest(enc);

test("the first adobe rejection asks for the user name", () => {
  const step = readChallenge("[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ");
  assert.equal(step, { kind: "send-user", authmod: "adobe" });
  assert.is(authQuery(step, "alice", "pw", "live"), "authmod=adobe&user=alice");
});

test("the adobe answer verifies on a server that knows the password (salt, challenge, opaque)", () => {
  const desc = "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt=Ns0xAB==&challenge=Zm9v&opaque=b3BhcQ==";
  const query = rawQuery(authQuery(readChallenge(desc), "alice", "s3cret", "live", () => "0a1b2c3d"));
  // server side, as the challenge is publicly described
  const hash1 = md5("alice" + "Ns0xAB==" + "s3cret", "base64");
  const expected = md5(hash1 + "b3BhcQ==" + query.get("challenge")!, "base64");
  assert.is(query.get("challenge"), "0a1b2c3d");
  assert.is(query.get("response"), expected);
  assert.is(query.get("opaque"), "b3BhcQ==");
  assert.is(query.get("authmod"), "adobe");
});

test("without opaque the adobe answer hashes the server challenge", () => {
  const desc = "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=u&salt=s&challenge=c";
  const query = rawQuery(authQuery(readChallenge(desc), "u", "p", "live", () => "deadbeef"));
  assert.is(query.get("response"), md5(md5("usp", "base64") + "c" + "deadbeef", "base64"));
  assert.not.ok(query.has("opaque"));
});

test("the llnw answer is an RFC 2617-style digest over publish:/app/_definst_", () => {
  const step = readChallenge("[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=bob&nonce=abc123");
  const query = rawQuery(authQuery(step, "bob", "pw", "live/?x=1", () => "cafebabe"));
  const ha1 = md5("bob:live:pw", "hex");
  const ha2 = md5("publish:/live/_definst_", "hex");
  assert.is(query.get("response"), md5(`${ha1}:abc123:00000001:cafebabe:auth:${ha2}`, "hex"));
  assert.is(query.get("nonce"), "abc123");
  assert.is(query.get("cnonce"), "cafebabe");
  assert.is(query.get("nc"), "00000001");
  const inst = rawQuery(authQuery(step, "bob", "pw", "live/inst", () => "cafebabe"));
  assert.is(inst.get("response"), md5(`${ha1}:abc123:00000001:cafebabe:auth:${md5("publish:/live/inst", "hex")}`, "hex"));
});

test("authfailed and nosuchuser end the attempt with a readable reason; other rejections are not challenges", () => {
  assert.equal(readChallenge("authmod=adobe ?reason=authfailed&opaque=x"), { kind: "failed", reason: "authentication failed (wrong user or password)" });
  assert.equal(readChallenge("authmod=llnw ?reason=nosuchuser"), { kind: "failed", reason: "no such user" });
  assert.equal(readChallenge("Connection rejected by application"), { kind: "none" });
});

test("reconnect delays grow exponentially, stay under the cap and are jittered", () => {
  const low = (n: number) => reconnectDelay(n, 1000, 30000, () => 0);
  const high = (n: number) => reconnectDelay(n, 1000, 30000, () => 1);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 40].map(high), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal([0, 1, 2].map(low), [500, 1000, 2000]);
});

test.run();
