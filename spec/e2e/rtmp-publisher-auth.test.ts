/**
 * authmod=adobe and authmod=llnw: our publisher answers the challenges of spec/support/rtmp-auth-server.ts
 * (written from the public descriptions, not from our client) and publishes; a wrong password or
 * user ends in ERR_RTMP_AUTH_FAILED with a readable message and no retry. FFmpeg, which implements
 * both schemes, publishes through the same server as a control that the server is faithful.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { RtmpPublishError } from "../../src/rtmp/client/errors.ts";
import { publishFlvFile } from "../../src/rtmp/client/file-publisher.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { parseRtmpTarget } from "../../src/rtmp/client/url.ts";
import { e2eSuite } from "../support/e2e.ts";
import { RtmpAuthServer, type AuthMod } from "../support/rtmp-auth-server.ts";
import { cutSource } from "./rtmp-publisher-media.ts";
import { killChildren, run } from "../support/process.ts";

const test = e2eSuite("e2e/rtmp publisher adobe and llnw authentication", ["ffmpeg"]);
const USERS = { alice: "s3cret:pa ss", bob: "hunter2" };
const servers: RtmpAuthServer[] = [];
let dir = "";
let source = "";

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-pub-auth-"));
  source = await cutSource(dir, 1);
});

test.after(async () => {
  killChildren();
  await Promise.all(servers.map((s) => s.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function server(authmod: AuthMod, random?: () => string): Promise<RtmpAuthServer> {
  const s = await RtmpAuthServer.start({ authmod, users: USERS, random });
  servers.push(s);
  return s;
}

function withCredentials(url: string, user: string, password: string): string {
  return url.replace("rtmp://", `rtmp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`);
}

function publisher(url: string, streamName: string): RtmpPublisher {
  return new RtmpPublisher(parseRtmpTarget(url, { streamName }), { flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", timeoutMs: 5000 });
}

async function expectAuthFailure(p: RtmpPublisher, message: RegExp): Promise<void> {
  try {
    await p.start();
    assert.unreachable("publishing must fail");
  } catch (err) {
    assert.instance(err, RtmpPublishError);
    const e = err as RtmpPublishError;
    assert.is(e.code, "ERR_RTMP_AUTH_FAILED");
    assert.is(e.retry, false);
    assert.match(e.message, message);
  }
}

for (const authmod of ["adobe", "llnw"] as const) {
  test(`${authmod}: the publisher answers the challenge in three connects and publishes the file`, async () => {
    const s = await server(authmod);
    const p = publisher(withCredentials(s.url("live"), "alice", USERS.alice), `${authmod}1`);
    await p.start();
    await publishFlvFile(p, source);
    await p.stop();
    assert.equal(s.connects.map((c) => c.outcome), ["need-auth", "challenge", "accepted"]);
    assert.match(s.connects[1]!.app, new RegExp(`^live\\?authmod=${authmod}&user=alice$`));
    assert.match(s.connects[2]!.tcUrl, /\/live\?authmod=/, "tcUrl carries the same answer as the app");
    const pub = s.publications.at(-1)!;
    assert.is(pub.name, `${authmod}1`);
    assert.ok(pub.video > 20 && pub.audio > 30, `media arrived: ${pub.video} video, ${pub.audio} audio`);
  });

  test(`${authmod}: a wrong password ends in ERR_RTMP_AUTH_FAILED saying so, after one answer`, async () => {
    const s = await server(authmod);
    await expectAuthFailure(publisher(withCredentials(s.url("live"), "alice", "wrong"), "x"), /wrong user or password/);
    assert.equal(s.connects.map((c) => c.outcome), ["need-auth", "challenge", "authfailed"]);
  });

  test(`${authmod}: an unknown user ends in ERR_RTMP_AUTH_FAILED "no such user"`, async () => {
    const s = await server(authmod);
    await expectAuthFailure(publisher(withCredentials(s.url("live"), "mallory", "x"), "x"), /no such user/);
  });

  test(`${authmod}: a URL without credentials is told to put user:password in the rtmpUrl`, async () => {
    const s = await server(authmod);
    await expectAuthFailure(publisher(s.url("live"), "x"), new RegExp(`authmod=${authmod}.*user:password`));
    assert.is(s.connects.length, 1);
  });

  test(`${authmod}: the answer holds for an app with an instance (live/inst)`, async () => {
    const s = await server(authmod);
    const p = publisher(withCredentials(s.url("live/inst"), "bob", USERS.bob), "i1");
    await p.start();
    await p.stop();
    assert.is(s.connects.at(-1)!.outcome, "accepted");
  });

  test(`${authmod}: tokens with base64 "+", "/" and "=" (as Wowza and crtmpserver send them) are answered as sent, not URL-decoded`, async () => {
    let n = 0;
    const s = await server(authmod, () => `Wv+iAT/${n++}c+k==`);
    const p = publisher(withCredentials(s.url("live"), "alice", USERS.alice), "b64");
    await p.start();
    await p.stop();
    assert.match(s.connects[1]!.description, /\+/);
    assert.is(s.connects.at(-1)!.outcome, "accepted");
  });

  test(`${authmod}: control: ffmpeg publishes through the same server with the right password and fails with a wrong one`, async () => {
    let n = 0;
    const s = await server(authmod, () => `Wv+iAT/${n++}c+k==`);
    const ok = await run("ffmpeg", ["-v", "error", "-i", source, "-c", "copy", "-f", "flv", `${withCredentials(s.url("live"), "bob", USERS.bob)}/ff1`]);
    assert.is(ok.code, 0, ok.stderr);
    assert.ok(s.connects.some((c) => c.outcome === "accepted"), JSON.stringify(s.connects));
    assert.ok((s.publications.find((p) => p.name === "ff1")?.video ?? 0) > 20);
    const bad = await run("ffmpeg", ["-v", "error", "-i", source, "-c", "copy", "-f", "flv", `${withCredentials(s.url("live"), "bob", "nope")}/ff2`]);
    assert.is.not(bad.code, 0);
    assert.is(s.connects.at(-1)!.outcome, "authfailed");
  });
}

test.run();
