/**
 * The console page against the whole app with real content: ffmpeg publishes a test pattern to the
 * embedded RTMP server, a transponder republishes it to nginx-rtmp, a relay pulls it back from nginx
 * (`/pull/pull rtmp://`), and the page's own form calls SIPp. Headless Chromium reads the rows, sends
 * DTMF, hangs up and stops the transponder from the page; screenshots at desktop (1280x800) and phone
 * (390x844) width, with no element wider than the phone's viewport. The lists the page reads are
 * checked against openapi.yaml. Screenshots go to $TRANSPOND_SCREENSHOTS (default: a temp dir, removed).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { chromium, type Browser, type Page } from "playwright-core";
import { startApp, type App } from "../../src/app.ts";
import { CHROMIUM_ARGS } from "../support/chromium.ts";
import { e2eSuite } from "../support/e2e.ts";
import { loopbackConfig } from "../support/app-config.ts";
import { waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { answerProblems, fetchAnswer, loadOpenApi } from "../support/openapi.ts";
import { killChildren, start } from "../support/process.ts";
import { closeAll, removeTemp, sippMessages, startSipp } from "./sip-call-rig.ts";

const test = e2eSuite("e2e/web-console", ["chromium", "ffmpeg", "nginx", "sipp"]);

interface Ctx {
  app?: App;
  nginx?: NginxRtmp;
  browser?: Browser;
  dir?: string;
  shots?: string;
  base?: string;
}
const ctx: Ctx = {};

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "transpond-web-console-"));
  ctx.shots = process.env.TRANSPOND_SCREENSHOTS ?? join(ctx.dir, "shots");
  mkdirSync(ctx.shots, { recursive: true });
  ctx.nginx = await NginxRtmp.start({ applications: ["live"] });
  ctx.app = await startApp(
    await loopbackConfig(ctx.dir),
  );
  ctx.base = `http://127.0.0.1:${ctx.app.ports.http}`;
  ctx.browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

test.after(async () => {
  await ctx.browser?.close();
  killChildren();
  await closeAll();
  await ctx.app?.close();
  await ctx.nginx?.dispose();
  removeTemp();
  if (ctx.dir && !process.env.TRANSPOND_SCREENSHOTS) rmSync(ctx.dir, { recursive: true, force: true });
});

const post = async (path: string, body: unknown = {}) => {
  const res = await fetch(`${ctx.base}/rest-api${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as unknown };
};

async function open(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.browser!.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && !/404/.test(m.text()) && errors.push(m.text())));
  page.on("pageerror", (e) => void errors.push(`pageerror: ${e.message}`));
  await page.goto(`${ctx.base}/console.html`);
  return { page, errors };
}

const cell = (page: Page, section: string, id: string, label: string) => page.locator(`#${section}Rows tr[data-id="${id}"] td[data-label="${label}"]`).textContent();
const row = (page: Page, section: string, id: string) => page.locator(`#${section}Rows tr[data-id="${id}"]`);

/** Elements whose right edge passes the viewport (what makes a phone scroll sideways). */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = Array.from(document.querySelectorAll("body *")).filter((e) => e.getBoundingClientRect().right > width + 0.5).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}.${e.className}`);
    return { wide, scrollWidth: document.documentElement.scrollWidth, width };
  });

async function shoot(page: Page, name: string): Promise<void> {
  const file = join(ctx.shots!, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

test("the console shows a published stream, its transponder, a relay and a SIP call live, and its buttons act on them", async () => {
  const app = ctx.app!;
  start("ffmpeg", [
    "-v", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=90",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=90",
    "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "96k", "-f", "flv", `rtmp://127.0.0.1:${app.ports.rtmp}/live/cam`,
  ], 120_000);
  await waitFor("cam published with video", () => app.hub.get("cam")?.videoConfig, 20_000);
  const push = await post("/push/startup", { streamName: "cam", rtmpUrl: ctx.nginx!.url("live") });
  assert.is(push.status, 200, JSON.stringify(push.body));
  const pushId = (push.body as { mediaSessionId: string }).mediaSessionId;
  await waitFor("transponder ACTIVE", () => (app.transponders.all()[0]?.transponder.status === "ACTIVE" ? true : undefined), 20_000);
  const streamId = (await post("/stream/find", { name: "cam" })).body as { mediaSessionId: string }[];

  const { page, errors } = await open(1280, 800);
  // a relay started from the page's form: /pull/pull rtmp:// from nginx
  await page.click("#relayForm >> xpath=.. >> summary");
  await page.selectOption("#relayDirection", "pull");
  await page.fill("#relayUri", ctx.nginx!.url("live/rtmp_cam"));
  await page.fill("#relayLocal", "relayed");
  await page.click("#relayForm button[type=submit]");
  const relays = await waitFor("relay made", () => (app.relays.all()[0] ? app.relays.all() : undefined), 10_000);
  assert.equal([relays[0]!.spec.localStreamName, relays[0]!.spec.direction], ["relayed", "pull"]);
  const relayId = relays[0]!.options.id;
  // a call started from the page's form, to SIPp
  const sipp = await startSipp("uas-answer.xml", {}, { autoAnswer: true });
  await page.click("details summary");
  await page.fill("#callee", "service");
  await page.fill("#sipDomain", "127.0.0.1");
  await page.fill("#sipPort", String(sipp.port));
  await page.fill("#sipLogin", "alice");
  await page.fill("#toStream", "call-in");
  await page.click("#callForm button[type=submit]");
  const calls = await waitFor("call ESTABLISHED", async () => {
    const found = await post("/call/find_all");
    const list = found.status === 200 ? (found.body as { callId: string; status: string }[]) : [];
    return list[0]?.status === "ESTABLISHED" ? list : undefined;
  }, 20_000);
  const callId = calls[0]!.callId;

  await page.locator(`#streamsRows tr[data-id="${streamId[0]!.mediaSessionId}"] td[data-label="Bitrate"]`, { hasText: "b/s" }).waitFor({ timeout: 15_000 });
  await row(page, "relays", relayId).locator("td[data-label=State]", { hasText: "ACTIVE" }).waitFor({ timeout: 20_000 });
  await row(page, "calls", callId).locator("td[data-label=Status]", { hasText: "ESTABLISHED" }).waitFor({ timeout: 10_000 });
  await row(page, "transponders", pushId).locator("td[data-label=Bitrate]", { hasText: "b/s" }).waitFor({ timeout: 10_000 });

  const camId = streamId[0]!.mediaSessionId;
  assert.equal(
    await Promise.all(["Name", "App", "Source", "Video", "Audio", "Size"].map((l) => cell(page, "streams", camId, l))),
    ["cam", "live", "rtmp", "H264", "AAC", "320×240"],
  );
  assert.match((await cell(page, "streams", camId, "Viewers")) ?? "", /1 transponder/);
  assert.match((await cell(page, "streams", camId, "Uptime")) ?? "", /^\d+s$|^\dm/);
  const rate = /([\d.]+) ([kM])b\/s/.exec((await cell(page, "streams", camId, "Bitrate")) ?? "");
  const camKbps = rate ? Number(rate[1]) * (rate[2] === "M" ? 1000 : 1) : 0;
  assert.ok(camKbps > 30 && camKbps < 5000, `cam bitrate ${camKbps} kb/s`);
  const relayedStream = page.locator("#streamsRows tr", { has: page.locator('td[data-label=Name]', { hasText: /^relayed$/ }) });
  assert.is(await relayedStream.locator("td[data-label=Source]").textContent(), "pull");
  assert.equal(
    await Promise.all(["Source stream", "RTMP URL", "Status", "Last error", "Reconnects"].map((l) => cell(page, "transponders", pushId, l))),
    ["cam", ctx.nginx!.url("live"), "ACTIVE", "—", "0"],
  );
  assert.equal(
    await Promise.all(["URI", "Local stream", "Direction", "State", "Last error"].map((l) => cell(page, "relays", relayId, l))),
    [ctx.nginx!.url("live/rtmp_cam"), "relayed", "pull", "ACTIVE", "—"],
  );
  assert.match((await cell(page, "relays", relayId, "Bytes")) ?? "", /MB$/);
  assert.equal(
    await Promise.all(["Callee", "Status", "SIP status"].map((l) => cell(page, "calls", callId, l))),
    ["service", "ESTABLISHED", "200"],
  );
  assert.is(await page.locator("#nodes").isHidden(), true, "no cluster: no nodes section");
  assert.ok(!(await page.locator("#streamsHead th, #transpondersHead th").allTextContents()).includes("Node"), "no cluster: no node column");

  // what the page read is what openapi.yaml describes
  const doc = loadOpenApi();
  for (const path of ["stream", "push", "pull", "call"]) {
    const answer = await fetchAnswer(`${ctx.base}/rest-api/${path}/find_all`, { method: "POST", body: "{}" });
    assert.equal(answerProblems(doc, answer), [], `${path}/find_all`);
  }
  await shoot(page, "console-desktop");

  const phone = await open(390, 844);
  await row(phone.page, "calls", callId).waitFor({ timeout: 10_000 });
  await row(phone.page, "transponders", pushId).locator("td[data-label=Bitrate]", { hasText: "b/s" }).waitFor({ timeout: 10_000 });
  const fit = await overflowing(phone.page);
  assert.equal(fit.wide, [], "elements wider than the phone's viewport");
  assert.ok(fit.scrollWidth <= fit.width, `page scrolls sideways: ${fit.scrollWidth} > ${fit.width}`);
  await shoot(phone.page, "console-phone");
  await phone.page.close();

  // DTMF (as SIP INFO, which SIPp logs) and hang up from the page
  await page.fill("#dtmf", "12#");
  await page.selectOption("#dtmfType", "INFO");
  const dtmf = page.waitForResponse((r) => r.url().endsWith("/rest-api/call/send_dtmf"));
  await row(page, "calls", callId).locator('button[data-action="send_dtmf"]').click();
  assert.is((await dtmf).status(), 200);
  await page.locator("#events li.ok", { hasText: `DTMF: ${callId}` }).waitFor({ timeout: 5000 });
  await waitFor("SIPp got the INFO with signal #", () => (/^Signal=#/m.test(sippMessages(sipp)) ? true : undefined), 10_000);
  await page.fill("#injectStream", "cam");
  await row(page, "calls", callId).locator('button[data-action="inject_stream"]').click();
  await row(page, "calls", callId).locator("td[data-label=Injected]", { hasText: "cam" }).waitFor({ timeout: 10_000 });
  await row(page, "calls", callId).locator('button[data-action="terminate"]').click();
  await waitFor("SIPp got BYE and ended", async () => ((await sipp.exit) === 0 ? true : undefined), 15_000);
  await row(page, "calls", callId).locator("td[data-label=Status]", { hasText: "FINISH" }).waitFor({ timeout: 10_000 });
  assert.is(await row(page, "calls", callId).locator("button").first().isHidden(), true, "a finished call offers no actions");

  // Stop the transponder: the row stays, marked STOPPED, without buttons
  await row(page, "transponders", pushId).locator('button[data-action="terminate"]').click();
  await waitFor("transponder gone", () => (app.transponders.all().length === 0 ? true : undefined), 10_000);
  await row(page, "transponders", pushId).locator("td[data-label=Status]", { hasText: "STOPPED" }).waitFor({ timeout: 10_000 });
  assert.is(await row(page, "transponders", pushId).locator("button").isHidden(), true);
  assert.is(await row(page, "transponders", pushId).getAttribute("class"), "stopped");
  await shoot(page, "console-after-actions");
  assert.equal(errors, []);
  await page.close();
});

test("a failed REST call is shown politely: 403 explains how to open the API", async () => {
  const page = await ctx.browser!.newPage({ viewport: { width: 1280, height: 800 } });
  await page.route("**/rest-api/**", (route) => route.fulfill({ status: 403, contentType: "application/json", body: JSON.stringify({ status: 403, error: "Forbidden", message: "REST API answers loopback clients only" }) }));
  await page.goto(`${ctx.base}/console.html`);
  await page.locator("#updated", { hasText: "update failed" }).waitFor({ timeout: 10_000 });
  assert.match((await page.locator("#updated").textContent()) ?? "", /403: REST API answers loopback clients only — .*rest_open_to_network/);
  await page.close();
});

test.run();
