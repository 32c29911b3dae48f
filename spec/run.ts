/**
 * Runs every spec/**\/*.test.ts with uvu in one process and ends with the slowest files, a list of every failed test
 * (file, suite, test, first error line) and the line `N passed, N failed, N skipped`. Arguments filter
 * test files by substring; `--unit` leaves out spec/e2e. With TRANSPOND_TEST_RESULTS=<file> the
 * failures are also written there as JSON (for spec/support/repeat.ts).
 *
 * Beyond uvu's own runner: a suite whose `before` or `after` hook threw, an unhandled rejection or
 * uncaught exception, and a suite that does not finish within TRANSPOND_SUITE_TIMEOUT_S (300 s) are
 * failures of the suite that was running, and a failed suite's log ends with the output of the
 * programs it started (spec/support/test-log.ts). A run that leaves a process it started running or a
 * socket listening fails too, naming them (spec/support/leftovers.ts); the processes are then killed.
 * Captures from ../shared/fixtures that tests asked for and did not find are named before the last
 * line: the checks that read them did not run although their tests passed. Stopped by SIGINT or
 * SIGTERM, it kills the programs the tests started before it exits.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { absentSharedFixtures } from "./support/fixtures.ts";
import { killProcesses, leftoverProcesses, markTestRun, noteListeners, openListeners, type LeftoverProcess } from "./support/leftovers.ts";
import { dropOutput, keepOutput, takeHookError, takeOutput } from "./support/test-log.ts";

const root = resolve(import.meta.dirname);
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));
const suiteLimitMs = Number(process.env.TRANSPOND_SUITE_TIMEOUT_S ?? 300) * 1000;

export interface TestFailure {
  readonly file: string;
  readonly suite: string;
  readonly test: string;
  readonly error: string;
}

function findTests(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "support" ? [] : findTests(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = findTests(root)
  .filter((f) => !unitOnly || !relative(root, f).startsWith("e2e"))
  .filter((f) => filters.length === 0 || filters.some((p) => relative(root, f).includes(p)));

// The gateway's log goes to stderr from warnings up (or TRANSPOND_LOG_LEVEL); a failed suite's log
// also gets the suite's last info lines. Set again before each suite: some tests redirect the log.
const { configureLogging, LOG_LEVELS } = await import("../src/log.ts");
const stderrLevel = (process.env.TRANSPOND_LOG_LEVEL as (typeof LOG_LEVELS)[number] | undefined) ?? "warn";
const keptLevel = LOG_LEVELS.indexOf(stderrLevel) > LOG_LEVELS.indexOf("info") ? stderrLevel : "info";
const GATEWAY_LOG_LINES = 300;
let gatewayLog: string[] = [];
function logToStderrAndKeep(): void {
  gatewayLog = [];
  keepOutput("gateway log", () => gatewayLog.join("\n"));
  configureLogging({
    level: keptLevel,
    json: false,
    clock: () => new Date(),
    write: (line) => {
      gatewayLog.push(line);
      if (gatewayLog.length > GATEWAY_LOG_LINES) gatewayLog.shift();
      const level = /^\S+ (\w+)/.exec(line)?.[1]?.toLowerCase() as (typeof LOG_LEVELS)[number] | undefined;
      if (level === undefined || LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(stderrLevel)) process.stderr.write(line + "\n");
    },
  });
}

type SuiteRun = () => Promise<[string | true, number, number, number]>;
declare global {
  var UVU_DEFER: number;
  var UVU_QUEUE: (string | SuiteRun)[][];
  var UVU_INDEX: number;
}
markTestRun();
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];
await import("uvu");

for (const [i, file] of files.entries()) {
  globalThis.UVU_INDEX = i;
  globalThis.UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}

const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/** uvu's failure block: `   FAIL  <suite>  "<test>"` then the error message indented by 4. */
function parseFailures(errors: string, file: string): TestFailure[] {
  const lines = plain(errors).split("\n");
  return lines.flatMap((line, i) => {
    const m = /^ {3}FAIL {2}(?:(.*?) {2})?"(.*)"$/.exec(line);
    return m ? [{ file, suite: m[1] ?? "(unnamed)", test: m[2]!, error: (lines[i + 1] ?? "").trim() }] : [];
  });
}

const firstLine = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split("\n")[0]!;

const failures: TestFailure[] = [];
let current = { file: "", suite: "" };
// An error thrown outside any awaited test would end the whole run; it fails the suite that ran.
for (const event of ["unhandledRejection", "uncaughtException"] as const) {
  process.on(event, (err: unknown) => {
    console.error(`\n${event} while ${current.suite || current.file} ran:`, err);
    failures.push({ ...current, test: `(${event})`, error: firstLine(err) });
  });
}

// Ctrl-C, or a CI job's timeout (SIGTERM): the programs the tests started (nginx, redis-server,
// browsers, SIPp) would outlive the run, so they are killed before it exits.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches a runner twice when tools/test-repeat.ts passes it on
    if (stopping) return;
    stopping = true;
    const started = leftoverProcesses();
    killProcesses(started);
    console.log(`\n${signal} while ${current.suite || current.file || "the test files loaded"}: run stopped, ${started.length} programs the tests had started killed`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

let total = 0;
let passed = 0;
let skipped = 0;

/** Runs one uvu suite, its stdout collected so the suite's name (its first write) is known. */
async function runSuite(file: string, run: SuiteRun): Promise<void> {
  let printed = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    printed += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    if (current.suite === "") current = { file, suite: plain(printed).trim() };
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  current = { file, suite: "" };
  logToStderrAndKeep();
  const before = failures.length;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<"timeout">((done) => (timer = setTimeout(() => done("timeout"), suiteLimitMs)));
  try {
    const result = await Promise.race([run(), limit]);
    // a rejection nobody handled is reported once the microtasks drain: let that happen while `current` names this suite
    await new Promise((done) => setImmediate(done));
    process.stdout.write = write;
    if (result === "timeout") {
      failures.push({ ...current, test: "(suite)", error: `did not finish within ${suiteLimitMs / 1000} s` });
      return;
    }
    const [errors, ran, skips, max] = result;
    total += max;
    passed += ran;
    skipped += skips;
    if (errors !== true) {
      write(`\n${errors}\n`);
      const parsed = parseFailures(errors, file);
      failures.push(...(parsed.length > 0 ? parsed : [{ ...current, test: "(unparsed)", error: plain(errors).trim().split("\n")[0]! }]));
    }
    const hookError = takeHookError();
    if (errors === true && ran < max) failures.push({ ...current, test: "(before hook)", error: hookError ?? `${max - ran} of ${max} tests did not run` });
  } catch (err) {
    // uvu runs `after` hooks in a finally block: one that throws rejects the whole suite run
    process.stdout.write = write;
    console.error(`\n${current.suite}: after hook failed:`, err);
    failures.push({ ...current, test: "(after hook)", error: firstLine(err) });
  } finally {
    clearTimeout(timer);
    noteListeners(`${file} › ${current.suite}`);
    if (failures.length > before) {
      const output = takeOutput();
      if (output) console.log(`\noutput of the programs ${current.suite} started:\n${output}\n`);
    } else dropOutput();
  }
}

const started = Date.now();
const fileSeconds: [file: string, seconds: number][] = [];
let suiteTimedOut = false;
for (const group of globalThis.UVU_QUEUE) {
  const [file, ...suites] = group as [string, ...SuiteRun[]];
  console.log(`\n${file}`);
  const fileStarted = Date.now();
  for (const run of suites) {
    await runSuite(file, run);
    if (failures.at(-1)?.test === "(suite)") {
      suiteTimedOut = true;
      break;
    }
  }
  fileSeconds.push([file, (Date.now() - fileStarted) / 1000]);
  if (suiteTimedOut) break;
}

if (!suiteTimedOut) await checkLeftovers();

/** Fails the run for every process or listener the tests left; waits a little for ones being closed. */
async function checkLeftovers(): Promise<void> {
  // esbuild (the web bundler) keeps a service process for further builds until asked to stop
  const { stop: stopEsbuild } = await import("esbuild");
  await stopEsbuild();
  let processes: LeftoverProcess[] = [];
  let listeners: string[] = [];
  const deadline = Date.now() + 3000;
  do {
    await new Promise((done) => setTimeout(done, 100));
    processes = leftoverProcesses();
    listeners = openListeners();
  } while ((processes.length > 0 || listeners.length > 0) && Date.now() < deadline);
  const left = { file: "(end of run)", suite: "(cleanup)" };
  for (const p of processes) failures.push({ ...left, test: `process still running: ${p.command.split(" ")[0]!.split("/").at(-1)}`, error: `pid ${p.pid}: ${p.command}` });
  for (const l of listeners) failures.push({ ...left, test: "listener still open", error: l });
  killProcesses(processes);
}

const SLOWEST_SHOWN = 12;
const slowest = fileSeconds.sort((a, b) => b[1] - a[1]).slice(0, SLOWEST_SHOWN);
console.log(`\n  slowest files: ${slowest.map(([f, s]) => `${f} ${s.toFixed(1)} s`).join(", ")}`);
console.log(`\n  Total: ${total}  Duration: ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failures.length > 0) {
  console.log(`\nfailed (${failures.length}):`);
  for (const f of failures) console.log(`  FAILED ${f.file} › ${f.suite} › ${f.test}\n         ${f.error}`);
}
const absentCaptures = [...absentSharedFixtures].sort();
if (absentCaptures.length > 0) console.log(`\n  ${absentCaptures.length} captures absent from ../shared/fixtures (checks that read them did not run): ${absentCaptures.join(", ")}`);
if (process.env.TRANSPOND_TEST_RESULTS) writeFileSync(process.env.TRANSPOND_TEST_RESULTS, JSON.stringify({ total, passed, skipped, absentCaptures, failures }, null, 2));
console.log(`${passed} passed, ${total - passed} failed, ${skipped} skipped${absentCaptures.length > 0 ? `, ${absentCaptures.length} shared captures absent` : ""}`);
if (files.length === 0 || total === 0 || failures.length > 0 || passed < total) process.exitCode = 1;
// Sockets or timers a test forgot must not keep CI waiting: the summary above is the verdict.
setTimeout(() => process.exit(process.exitCode ?? 0), suiteTimedOut ? 0 : 2000).unref();
