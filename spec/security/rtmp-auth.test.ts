/**
 * Issue 14, attack 3 (RTMP side): with REST users configured, RTMP publish and play needed nothing.
 * Now ffmpeg publishes and plays with `?user=..&pass=..` in the stream name (or the app's query) and
 * is refused (NetStream.Publish.Rejected, NetStream.Play.Failed) without them or with a wrong password; the credentials never become
 * part of the stream name nor reach the log.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { configureLogging } from "../../src/log.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/rtmp-auth");
let server: TestApp | undefined;
const lines: string[] = [];

test.before(() => configureLogging({ level: "info", write: (l) => lines.push(l) }));
test.after(() => configureLogging({ level: "warn", write: (l) => process.stderr.write(l + "\n") }));
test.after.each(async () => {
  await server?.close();
  server = undefined;
});

/** ffmpeg publishing a test pattern for up to `seconds`; resolves with its exit code. */
function ffmpegPublish(url: string, seconds: number): { done: Promise<number | null>; kill: () => void } {
  const child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-f", "flv", url], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.resume();
  const done = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { done, kill: () => void child.kill("SIGKILL") };
}

/** ffmpeg reading 1 s of `url` into the null muxer; resolves with its exit code (killed after 20 s). */
function ffmpegPlay(url: string): Promise<number | null> {
  const child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rw_timeout", "10000000", "-i", url, "-t", "1", "-f", "null", "-"], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.resume();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  return new Promise((r) => child.once("exit", (code) => (clearTimeout(timer), r(code))));
}

test("ffmpeg publishes and plays with ?user=&pass= and is refused without or with a wrong password; no password in names or logs", async () => {
  server = await startTestApp({ disable_rest_auth: false, rest_users: ["admin:s3cret-pw"] });
  const base = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live`;
  for (const url of [`${base}/cam`, `${base}/cam?user=admin&pass=wrong`]) {
    const refused = ffmpegPublish(url, 5);
    try {
      const code = await Promise.race([refused.done, new Promise<string>((r) => setTimeout(() => r("still running"), 20000))]);
      assert.ok(code !== 0 && code !== "still running", `ffmpeg to ${url} ended with ${code}`);
      assert.is(server.app.hub.get("cam"), undefined);
    } finally {
      refused.kill();
    }
  }
  assert.ok(lines.some((l) => l.includes("RTMP publish refused")));
  const ok = ffmpegPublish(`${base}/cam?user=admin&pass=s3cret-pw`, 30);
  try {
    const stream = await waitFor("the authenticated publish", () => server!.app.hub.get("cam"), 20000);
    assert.is(stream.name, "cam");
    assert.ok((await ffmpegPlay(`${base}/cam`)) !== 0, "play without credentials fails");
    assert.ok((await ffmpegPlay(`${base}/cam?user=admin&pass=nope`)) !== 0, "play with a wrong password fails");
    assert.is(await ffmpegPlay(`${base}/cam?user=admin&pass=s3cret-pw`), 0, "play with credentials decodes");
    assert.ok(lines.some((l) => l.includes("RTMP play refused")));
  } finally {
    ok.kill();
    await ok.done;
  }
  const viaApp = ffmpegPublish(`rtmp://127.0.0.1:${server.app.ports.rtmp}/live?user=admin&pass=s3cret-pw/cam2`, 30);
  try {
    await waitFor("the publish with credentials in the app", () => server!.app.hub.get("cam2"), 20000);
  } finally {
    viaApp.kill();
    await viaApp.done;
  }
  assert.not.ok(lines.join("\n").includes("s3cret-pw"), lines.filter((l) => l.includes("s3cret-pw")).join("\n"));
});

test.run();
