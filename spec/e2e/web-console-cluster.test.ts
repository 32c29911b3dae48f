/**
 * The console in a cluster: two nodes on one redis-server, ffmpeg publishing to node 2 and the page
 * opened on node 1. The nodes section lists both nodes with the streams each holds, and the stream
 * row names node 2 in its Node column. Screenshots as in web-console.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { chromium, type Browser } from "playwright-core";
import type { App } from "../../src/app.ts";
import { CHROMIUM_ARGS } from "../support/chromium.ts";
import { startClusterNode } from "../support/cluster.ts";
import { e2eSuite } from "../support/e2e.ts";
import { waitFor } from "../support/net.ts";
import { killChildren, start } from "../support/process.ts";
import { RedisServer } from "../support/redis.ts";

const test = e2eSuite("e2e/web-console-cluster", ["chromium", "ffmpeg", "redis-server"]);
let redis: RedisServer | undefined;
let dir = "";
let browser: Browser | undefined;
const nodes: App[] = [];

test.before(async () => {
  redis = await RedisServer.start();
  dir = mkdtempSync(join(tmpdir(), "transpond-web-console-cluster-"));
  for (const id of ["n1", "n2"]) nodes.push(await startClusterNode(redis.url, dir, id));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

test.after(async () => {
  await browser?.close();
  killChildren();
  for (const app of nodes) await app.close();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the page on node 1 lists both nodes, node 2's stream with its nodeId, and how many streams each node holds", async () => {
  const [n1, n2] = nodes as [App, App];
  start("ffmpeg", [
    "-v", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=60",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
    "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "96k", "-f", "flv", `rtmp://127.0.0.1:${n2.ports.rtmp}/live/cam`,
  ], 90_000);
  await waitFor("cam on node 2", () => n2.hub.get("cam")?.videoConfig, 20_000);
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => void errors.push(e.message));
  await page.goto(`http://127.0.0.1:${n1.ports.http}/console.html`);
  await page.locator('#nodeRows tr[data-id="n2"] td[data-label="Streams and jobs"]', { hasText: "1 streams" }).waitFor({ timeout: 15_000 });
  assert.is(await page.locator("#nodes").isVisible(), true);
  assert.equal(await page.locator("#nodeRows tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id).sort()), ["n1", "n2"]);
  assert.match((await page.locator('#nodeRows tr[data-id="n1"] td[data-label="Streams and jobs"]').textContent()) ?? "", /^0 streams/);
  assert.is(await page.locator('#nodeRows tr[data-id="n2"] td[data-label="Address"]').textContent(), "127.0.0.1");
  const camRow = page.locator("#streamsRows tr", { has: page.locator("td[data-label=Name]", { hasText: /^cam$/ }) });
  assert.is(await camRow.locator("td[data-label=Node]").textContent(), "n2");
  assert.ok((await page.locator("#transpondersHead th").allTextContents()).includes("Node"), "every list gets the node column");
  const shots = process.env.TRANSPOND_SCREENSHOTS;
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "console-cluster.png"), fullPage: true });
    console.log(`screenshot: ${join(shots, "console-cluster.png")}`);
  }
  assert.equal(errors, []);
  await page.close();
});

test.run();
