/**
 * What `npm start` gives a machine with no other media server: the whole app (REST, embedded RTMP
 * server, HTTP-FLV, transponders) with the embedded server as the republishing target. The
 * `transpond publish` command sends an FLV into it; /push/startup republishes that stream back into
 * the same server under the prefixed name; ffprobe reads the copy over HTTP-FLV and RTMP.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { loopbackConfig } from "../support/app-config.ts";
import { e2eSuite } from "../support/e2e.ts";
import { waitFor } from "../support/net.ts";
import { cutSource, probe } from "./rtmp-publisher-media.ts";
import { killChildren, run } from "../support/process.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("app: publish into the embedded server and republish to it", ["ffmpeg", "ffprobe"]);
let app: App;
let dir = "";

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-app-rtmp-"));
  app = await startApp(
    await loopbackConfig(dir),
  );
});
test.after(async () => {
  killChildren();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("transpond publish -> embedded server -> /push/startup back into it -> HTTP-FLV and RTMP play", async () => {
  const source = await cutSource(dir, 6);
  const rtmpBase = `rtmp://127.0.0.1:${app.ports.rtmp}/live`;
  const publisher = spawn(process.execPath, ["bin/transpond.mjs", "publish", source, `${rtmpBase}/cam`, "--loop"], { stdio: "ignore" });
  try {
    await waitFor("stream cam in the hub", () => app.hub.get("cam")?.videoConfig, 10000);
    const api = `http://127.0.0.1:${app.ports.http}/rest-api`;
    const started = await fetch(`${api}/push/startup`, { method: "POST", body: JSON.stringify({ streamName: "cam", rtmpUrl: rtmpBase }) });
    assert.is(started.status, 200);
    const transponder = (await started.json()) as { mediaSessionId: string; streamName: string; rtmpUrl: string };
    assert.is(transponder.streamName, "rtmp_cam");
    await waitFor("transponder ACTIVE", async () => {
      const found = (await (await fetch(`${api}/push/find`, { method: "POST", body: JSON.stringify({ streamName: "rtmp_cam" }) })).json()) as { status: string }[];
      return found[0]?.status === "ACTIVE" ? true : undefined;
    });
    await waitFor("republished stream rtmp_cam", () => app.hub.get("rtmp_cam")?.videoConfig, 10000);
    const names = ((await (await fetch(`${api}/stream/find_all`)).json()) as { name: string }[]).map((s) => s.name).sort();
    assert.equal(names, ["cam", "rtmp_cam"]);

    const flv = join(dir, "copy.flv");
    const grab = await run("ffmpeg", ["-v", "error", "-y", "-i", `http://127.0.0.1:${app.ports.http}/live/rtmp_cam.flv`, "-t", "3", "-c", "copy", flv], 20000);
    assert.is(grab.code, 0, grab.stderr);
    const copy = await probe(flv);
    assert.equal([copy.video?.codec, copy.video?.width, copy.video?.height, copy.audio?.codec], ["h264", 480, 270, "aac"]);
    assert.ok(copy.video!.frames >= 60, `only ${copy.video!.frames} video frames in 3 s`);
    assert.is(await decodeErrors(flv), "");

    const rtmpCopy = await run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", `${rtmpBase}/rtmp_cam`], 20000);
    assert.equal(rtmpCopy.stdout.trim().split("\n").sort(), ["aac", "h264"]);

    const stop = await fetch(`${api}/push/terminate`, { method: "POST", body: JSON.stringify({ mediaSessionId: transponder.mediaSessionId }) });
    assert.is(stop.status, 200);
    await waitFor("rtmp_cam unpublished", () => (app.hub.get("rtmp_cam") ? undefined : true));
  } finally {
    publisher.kill("SIGKILL");
  }
});

test.run();
