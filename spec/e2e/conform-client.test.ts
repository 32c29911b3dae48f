/**
 * `transpond conform client --listen` with real clients: ffmpeg publishing, ffmpeg playing and
 * Transpond's own publisher (`transpond publish`). Each runs against the CLI checker with
 * `--sessions 1 --json`; the expected report of each is kept here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { Verdict } from "../../src/rtmp/conform/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture } from "../support/fixtures.ts";
import { freeTcpPort, listensOn, waitFor } from "../support/net.ts";
import { killChildren, run, start, type RunResult } from "../support/process.ts";

interface SessionJson {
  subject: string;
  exitCode: number;
  results: { id: string; verdict: Verdict; detail: string }[];
}

const test = e2eSuite("conform client", ["ffmpeg"]);
let dir = "";

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-conform-client-"));
});
test.after(() => {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the checker for one session, runs `client(url)`, and returns the session's JSON report. */
async function checkOne(client: (url: string) => Promise<RunResult>, junit?: string): Promise<{ report: SessionJson; code: number | null; clientRun: RunResult }> {
  const port = await freeTcpPort();
  const checker = start("node", ["bin/transpond.mjs", "conform", "client", "--listen", `127.0.0.1:${port}`, "--sessions", "1", "--json", ...(junit ? ["--junit", junit] : [])], 120000);
  await waitFor("the checker listening", () => (listensOn(port) ? true : undefined), 20000);
  const clientRun = await client(`rtmp://127.0.0.1:${port}/live/cam`);
  const done = await checker.done;
  assert.is(done.stderr, "");
  const lines = done.stdout.trim().split("\n");
  assert.is(lines.length, 1);
  return { report: JSON.parse(lines[0]!) as SessionJson, code: done.code, clientRun };
}

const verdicts = (r: SessionJson) => Object.fromEntries(r.results.map((x) => [x.id, x.verdict]));
const detail = (r: SessionJson, id: string) => r.results.find((x) => x.id === id)!.detail;

/** Publishers pass every check; CC-9 does not apply (a publisher receives less than the 250000-byte window). */
const PUBLISHER = { "CC-1": "pass", "CC-2": "pass", "CC-3": "pass", "CC-4": "pass", "CC-5": "pass", "CC-6": "pass", "CC-7": "pass", "CC-8": "pass", "CC-9": "unsupported", "CC-10": "pass" };

test("ffmpeg publishing H.264 + AAC: every check passes, JUnit written", async () => {
  const junit = join(dir, "ffmpeg.xml");
  const { report, code, clientRun } = await checkOne((url) => run("ffmpeg", [
    "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url,
  ], 60000), junit);
  assert.is(clientRun.code, 0, clientRun.stderr);
  assert.equal(verdicts(report), PUBLISHER);
  assert.is(code, 0);
  assert.match(report.subject, /^publisher "cam" from 127\.0\.0\.1:\d+ \(FMLE\/3\.0 \(compatible; Lavf/);
  assert.match(detail(report, "CC-10"), /FCUnpublish/);
  assert.match(detail(report, "CC-7"), /^video up to \d+ ms, audio up to \d+ ms, never back$/);
  const xml = readFileSync(junit, "utf8");
  assert.is((xml.match(/<testcase /g) ?? []).length, 10);
  assert.is((xml.match(/<skipped /g) ?? []).length, 1);
});

test("Transpond's publisher (transpond publish FILE.flv): every check passes", async () => {
  const flv = fixture("flv_ffmpeg-lavf58_testsrc_1080p_h264-high_aac-mono_3s.flv");
  const { report, code, clientRun } = await checkOne((url) => run("node", ["bin/transpond.mjs", "publish", flv, url], 60000));
  assert.is(clientRun.code, 0, clientRun.stderr);
  assert.equal(verdicts(report), PUBLISHER);
  assert.is(code, 0);
  assert.match(detail(report, "CC-10"), /FCUnpublish, deleteStream/);
});

test("ffmpeg playing: it acknowledges the window; publisher checks do not apply", async () => {
  const { report, code } = await checkOne((url) => run("ffmpeg", ["-hide_banner", "-v", "error", "-i", url, "-t", "3", "-c", "copy", "-f", "null", "-"], 60000));
  assert.equal(verdicts(report), {
    "CC-1": "pass", "CC-2": "pass", "CC-3": "pass", "CC-4": "pass", "CC-5": "pass",
    "CC-6": "unsupported", "CC-7": "unsupported", "CC-8": "unsupported", "CC-9": "pass", "CC-10": "unsupported",
  });
  assert.is(code, 0);
  assert.match(report.subject, /^player "cam" from /);
  assert.match(detail(report, "CC-9"), /^\d+ Acknowledgements for \d+ bytes received/);
});

test.run();
