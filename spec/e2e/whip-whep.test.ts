/**
 * WHIP and WHEP with a browser and no SDK: headless Chromium's own RTCPeerConnection and fetch()
 * publish the fake camera and microphone by WHIP (RFC 9725) to the whole app; ffmpeg plays the
 * stream over RTMP from the embedded server, and its /push/startup copy with AAC, and decodes them; another page plays it by WHEP
 * and decodes video (getStats framesDecoded); DELETE on the Location frees the stream name.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startApp, type App } from "../../src/app.ts";
import { CHROMIUM_ARGS } from "../support/chromium.ts";
import { e2eSuite } from "../support/e2e.ts";
import { loopbackConfig } from "../support/app-config.ts";
import { waitFor } from "../support/net.ts";
import { answerProblems, fetchAnswer, loadOpenApi } from "../support/openapi.ts";
import { killChildren, run } from "../support/process.ts";

const test = e2eSuite("e2e/whip-whep", ["chromium", "ffmpeg"]);

interface Ctx {
  app?: App;
  browser?: Browser;
  context?: BrowserContext;
  dir?: string;
  base?: string;
}
const ctx: Ctx = {};

/** What the page scripts answer: the HTTP status, the Location, or the error text. */
interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly text: string;
}

/** Page functions, evaluated in Chromium: a WHIP/WHEP client in a few lines of plain WebRTC. */
const PAGE_SCRIPT = `
window.W = {
  async negotiate(url, pc, headers) {
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/sdp", ...headers }, body: pc.localDescription.sdp });
    const text = await res.text();
    if (res.status === 201) await pc.setRemoteDescription({ type: "answer", sdp: text });
    return { status: res.status, location: res.headers.get("location"), text };
  },
  async publish(url, headers = {}) {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    const pc = new RTCPeerConnection();
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
    window.publisher = pc;
    return this.negotiate(url, pc, headers);
  },
  async play(url) {
    const pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    window.player = pc;
    return this.negotiate(url, pc, {});
  },
  async inbound(pcName, kind) {
    const stats = await window[pcName].getStats();
    for (const s of stats.values()) if (s.type === "inbound-rtp" && s.kind === kind) return s.kind === "video" ? s.framesDecoded : s.packetsReceived;
    return 0;
  },
  state(pcName) { return window[pcName]?.connectionState ?? "none"; },
  async remove(url) { return (await fetch(url, { method: "DELETE" })).status; },
};`;

async function openPage(): Promise<Page> {
  const page = await ctx.context!.newPage();
  await page.goto(`${ctx.base}/server.json`);
  await page.addScriptTag({ content: PAGE_SCRIPT });
  return page;
}

const publish = (page: Page, path: string) => page.evaluate((url) => (window as unknown as { W: { publish(u: string): Promise<Answer> } }).W.publish(url), path);
const play = (page: Page, path: string) => page.evaluate((url) => (window as unknown as { W: { play(u: string): Promise<Answer> } }).W.play(url), path);
const inbound = (page: Page, pc: string, kind: string) => page.evaluate(([p, k]) => (window as unknown as { W: { inbound(p: string, k: string): Promise<number> } }).W.inbound(p, k), [pc, kind] as const);
const remove = (page: Page, path: string) => page.evaluate((url) => (window as unknown as { W: { remove(u: string): Promise<number> } }).W.remove(url), path);

/** Frames ffmpeg decodes in 3 s of RTMP play from the embedded server, by kind. */
async function decodeRtmp(name: string, maps: readonly string[]): Promise<{ video: number; audio: number }> {
  const args = ["-hide_banner", "-v", "error", "-i", `rtmp://127.0.0.1:${ctx.app!.ports.rtmp}/live/${name}`, "-t", "3", ...maps.flatMap((m) => ["-map", m]), "-f", "framemd5", "-"];
  const result = await run("ffmpeg", args, 60000);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n").filter((l) => /^\d+,/.test(l));
  return { video: lines.filter((l) => l.startsWith("0,")).length, audio: lines.filter((l) => l.startsWith("1,")).length };
}

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "transpond-whip-"));
  ctx.app = await startApp(
    await loopbackConfig(ctx.dir),
  );
  ctx.base = `http://127.0.0.1:${ctx.app.ports.http}`;
  ctx.browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  ctx.context = await ctx.browser.newContext({ bypassCSP: true });
});

test.after(async () => {
  killChildren();
  await ctx.browser?.close();
  await ctx.app?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

test("Chromium publishes by WHIP; ffmpeg plays it over RTMP (directly and republished by a transponder) and decodes it; WHEP plays it in another page; DELETE frees the name", async () => {
  const publisher = await openPage();
  const published = await publish(publisher, "/whip/cam");
  assert.is(published.status, 201, published.text);
  assert.match(published.location ?? "", /^\/whip\/cam\/[0-9a-z]{26}$/);
  await waitFor("the WHIP peer connected", async () => ((await publisher.evaluate(() => (window as unknown as { publisher: RTCPeerConnection }).publisher.connectionState)) === "connected" ? true : undefined), 30000);
  const stream = ctx.app!.hub.get("cam");
  assert.ok(stream, "published in the hub");
  assert.is(stream.info.source, "webrtc");
  await waitFor("H.264 and Opus configs", () => (stream.videoConfig && stream.audioConfig ? true : undefined), 30000);

  // The embedded server's RTMP play carries the video as published and the browser's Opus as AAC
  // (FLV has no Opus); a transponder makes it H.264 + AAC too, as for any WebRTC stream.
  const direct = await decodeRtmp("cam", ["0:v:0", "0:a:0"]);
  assert.ok(direct.video >= 30, `ffmpeg decoded ${direct.video} video frames of /live/cam over RTMP`);
  assert.ok(direct.audio >= 50, `ffmpeg decoded ${direct.audio} AAC frames of /live/cam over RTMP`);
  const push = await fetchAnswer(`${ctx.base}/rest-api/push/startup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ streamName: "cam", rtmpUrl: `rtmp://127.0.0.1:${ctx.app!.ports.rtmp}/live` }) });
  assert.is(push.status, 200, push.body);
  await waitFor("republished as rtmp_cam", () => ctx.app!.hub.get("rtmp_cam")?.audioConfig, 30000);
  const republished = await decodeRtmp("rtmp_cam", ["0:v:0", "0:a:0"]);
  assert.ok(republished.video >= 30, `ffmpeg decoded ${republished.video} video frames of rtmp_cam`);
  assert.ok(republished.audio >= 50, `ffmpeg decoded ${republished.audio} AAC frames of rtmp_cam`);

  // the live answers about a WHIP stream and its transponder match openapi.yaml
  const doc = loadOpenApi();
  const answers = [push, await fetchAnswer(`${ctx.base}/rest-api/stream/find_all`), await fetchAnswer(`${ctx.base}/rest-api/push/find_all`)];
  assert.equal(answers.map((a) => a.status), [200, 200, 200]);
  assert.equal(answers.flatMap((a) => answerProblems(doc, a)), []);

  const viewer = await openPage();
  const played = await play(viewer, "/whep/cam");
  assert.is(played.status, 201, played.text);
  assert.match(played.location ?? "", /^\/whep\/cam\/[0-9a-z]{26}$/);
  const decoded = await waitFor("WHEP video frames decoded in the page", async () => ((await inbound(viewer, "player", "video")) > 10 ? true : undefined), 30000);
  assert.ok(decoded);
  await waitFor("WHEP audio (Opus) packets received in the page", async () => ((await inbound(viewer, "player", "audio")) > 0 ? true : undefined), 20000);
  assert.is(stream.sinkCounts().webrtc, 1);

  assert.is(await remove(viewer, played.location!), 200);
  await waitFor("the WHEP player detached", () => ((stream.sinkCounts().webrtc ?? 0) === 0 ? true : undefined), 10000);
  assert.ok(ctx.app!.hub.get("cam"), "ending the player leaves the stream");

  assert.is(await remove(publisher, published.location!), 200);
  assert.is(ctx.app!.hub.get("cam"), undefined, "DELETE unpublished the stream");
  const again = await publish(await openPage(), "/whip/cam");
  assert.is(again.status, 201, "the name is free again");
  assert.is(await remove(publisher, again.location!), 200);
});

test("a WHIP publisher's name in use is a 409; a WHEP play of an unknown stream is a 404", async () => {
  const first = await openPage();
  const ok = await publish(first, "/whip/taken");
  assert.is(ok.status, 201);
  const second = await publish(await openPage(), "/whip/taken");
  assert.is(second.status, 409);
  assert.match(second.text, "already in use");
  const none = await play(await openPage(), "/whep/nobody");
  assert.is(none.status, 404);
  assert.is(await remove(first, ok.location!), 200);
});

test.run();
