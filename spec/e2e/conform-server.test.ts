/**
 * `transpond conform server` against real RTMP servers, through the CLI as a user runs it. Each
 * target's expected report is kept here; where a server differs from the spec the comment says why.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { killChildren, run } from "../support/process.ts";

type Verdicts = Record<string, "pass" | "fail" | "unsupported">;

/**
 * nginx-rtmp 1.2 (Debian libnginx-mod-rtmp). Differences from the spec:
 *   HS-3 fail: ngx_rtmp_handshake.c closes on a C0 other than 3 ("unexpected RTMP version")
 *        where §5.2.2 says a server SHOULD answer 3.
 */
const NGINX: Verdicts = {
  "HS-1": "pass", "HS-2": "pass", "HS-3": "fail",
  "CN-1": "pass", "CN-2": "pass", "CN-3": "pass", "CN-4": "pass", "CN-5": "pass", "CN-6": "pass",
  "PB-1": "pass", "PB-2": "pass", "PB-3": "pass", "PB-4": "pass", "PB-5": "pass", "PB-6": "pass", "PB-7": "pass",
};

interface JsonReport {
  subject: string;
  exitCode: number;
  results: { id: string; verdict: string; required: boolean; detail: string; clause: string }[];
}

const test = e2eSuite("conform server", ["nginx"]);
let dir = "";

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-conform-"));
});
test.after(() => {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

function conform(...args: string[]) {
  return run("node", ["bin/transpond.mjs", "conform", "server", ...args], 240000);
}

function verdicts(report: JsonReport): Verdicts {
  return Object.fromEntries(report.results.map((r) => [r.id, r.verdict])) as Verdicts;
}

test("nginx-rtmp: the expected report as JSON and JUnit, exit code 0 (every required scenario passes)", async () => {
  const nginx = await NginxRtmp.start({ record: false });
  try {
    const junit = join(dir, "nginx.xml");
    const r = await conform(nginx.url("live"), "--json", "--junit", junit);
    assert.is(r.stderr, "");
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(verdicts(report), NGINX);
    assert.is(r.code, 0);
    assert.is(report.exitCode, 0);
    const hs3 = report.results.find((x) => x.id === "HS-3")!;
    assert.is(hs3.required, false);
    assert.match(hs3.detail, /closed the connection without answering/);
    assert.match(report.results.find((x) => x.id === "PB-4")!.detail, /NetStream\.Publish\.BadName/);
    const xml = readFileSync(junit, "utf8");
    assert.is((xml.match(/<testcase /g) ?? []).length, Object.keys(NGINX).length);
    assert.is((xml.match(/<failure /g) ?? []).length, 1);
  } finally {
    await nginx.dispose();
  }
});

test("table output with --only, and exit code 1 when a required scenario fails (nothing listens)", async () => {
  const nginx = await NginxRtmp.start({ record: false });
  try {
    const r = await conform(nginx.url("live"), "--only", "HS-1,pb");
    assert.is(r.code, 0);
    assert.match(r.stdout, /^HS-1 +PASS req {2}simple handshake/);
    assert.match(r.stdout, /PB-7 +PASS req/);
    assert.not.match(r.stdout, /CN-1/);
    assert.match(r.stdout, /: 8 passed, 0 failed, 0 not supported; every required scenario passed\n$/);
  } finally {
    await nginx.dispose();
  }
  // the server is gone: its port refuses connections
  const down = await conform(nginx.url("live"), "--only", "CN-1", "--timeout", "2000");
  assert.is(down.code, 1);
  assert.match(down.stdout, /CN-1 +FAIL req .*\n +cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  const usage = await conform("http://x/live");
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /unsupported scheme http/);
});

test.run();
