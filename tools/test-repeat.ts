/**
 * `npm run test:repeat -- N [--busy] [spec/run.ts arguments]`: runs the test suite (or the files the
 * arguments select, e.g. `e2e/rtmp-server-ffmpeg` or `--unit`) N times in a row, each run in a fresh
 * process, and prints a Markdown table of every test that failed at least once: how often, and its
 * first error. `--busy` keeps one core busy with a spinning process during the runs (a loaded CI
 * host). Each run's full log stays in the printed folder. Exits 1 when any run failed. SIGINT or SIGTERM
 * stops the spinner and passes the signal to the run going on, which kills what its tests started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestFailure } from "../spec/run.ts";

interface RunOutcome {
  readonly code: number | null;
  readonly seconds: number;
  readonly passed: number;
  readonly total: number;
  readonly failures: readonly TestFailure[];
  /** captures from ../shared/fixtures the run did not find (checks that did not run) */
  readonly absentCaptures: readonly string[];
}

const RUNNER = resolve(import.meta.dirname, "..", "spec", "run.ts");

function parseArgs(argv: readonly string[]): { runs: number; busy: boolean; runnerArgs: string[] } {
  const runs = Number(argv[0]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("usage: npm run test:repeat -- N [--busy] [spec/run.ts arguments]");
  const rest = argv.slice(1);
  return { runs, busy: rest.includes("--busy"), runnerArgs: rest.filter((a) => a !== "--busy") };
}

/** The run going on, to pass a signal to. */
let currentRun: ChildProcess | undefined;

/** One run of spec/run.ts, its output written to `logFile`. */
function runOnce(runnerArgs: readonly string[], logFile: string, resultsFile: string): Promise<RunOutcome> {
  rmSync(resultsFile, { force: true });
  const started = Date.now();
  const child = (currentRun = spawn(process.execPath, ["--import", "tsx", RUNNER, ...runnerArgs], {
    env: { ...process.env, TRANSPOND_TEST_RESULTS: resultsFile },
    stdio: ["ignore", "pipe", "pipe"],
  }));
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return new Promise((done) => {
    child.once("close", (code) => {
      log.end();
      const seconds = (Date.now() - started) / 1000;
      if (!existsSync(resultsFile)) {
        const failure = { file: "(run)", suite: "(runner)", test: "(no result)", error: `spec/run.ts exited with ${code} before its summary` };
        done({ code, seconds, passed: 0, total: 0, failures: [failure], absentCaptures: [] });
        return;
      }
      const results = JSON.parse(readFileSync(resultsFile, "utf8")) as { passed: number; total: number; failures: TestFailure[]; absentCaptures: string[] };
      const unexplained = code !== 0 && results.failures.length === 0 ? [{ file: "(run)", suite: "(runner)", test: "(exit code)", error: `spec/run.ts exited with ${code} and listed no failure` }] : [];
      done({ code, seconds, ...results, failures: [...results.failures, ...unexplained] });
    });
  });
}

/** A process spinning on one core until killed. */
function startBusyCore(): ChildProcess {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

function failureTable(outcomes: readonly RunOutcome[]): string {
  const rows = new Map<string, { failure: TestFailure; runs: number[] }>();
  outcomes.forEach((outcome, i) => {
    for (const failure of outcome.failures) {
      const key = `${failure.file}\u0000${failure.suite}\u0000${failure.test}`;
      const row = rows.get(key) ?? { failure, runs: [] };
      if (!row.runs.includes(i + 1)) row.runs.push(i + 1);
      rows.set(key, row);
    }
  });
  if (rows.size === 0) return "no test failed";
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = ["| file | suite › test | failed | in runs | first error |", "|---|---|---|---|---|"];
  for (const { failure, runs } of [...rows.values()].sort((a, b) => b.runs.length - a.runs.length)) {
    lines.push(`| ${cell(failure.file)} | ${cell(`${failure.suite} › ${failure.test}`)} | ${runs.length} / ${outcomes.length} | ${runs.join(", ")} | ${cell(failure.error)} |`);
  }
  return lines.join("\n");
}

const { runs, busy, runnerArgs } = parseArgs(process.argv.slice(2));
const logDir = mkdtempSync(join(tmpdir(), "transpond-repeat-"));
const busyCore = busy ? startBusyCore() : undefined;
// stopped: the spinner goes, and the run going on is passed the signal so it ends what its tests started
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    busyCore?.kill("SIGKILL");
    const exit = () => process.exit(signal === "SIGINT" ? 130 : 143);
    if (!currentRun || currentRun.exitCode !== null || currentRun.signalCode !== null) return exit();
    currentRun.once("close", exit);
    currentRun.kill(signal);
  });
}
const outcomes: RunOutcome[] = [];
try {
  for (let i = 1; i <= runs; i++) {
    const outcome = await runOnce(runnerArgs, join(logDir, `run-${i}.log`), join(logDir, `run-${i}.json`));
    outcomes.push(outcome);
    const verdict = outcome.failures.length === 0 && outcome.code === 0 ? "ok" : `FAILED (${outcome.failures.length} failures, exit ${outcome.code})`;
    const absent = outcome.absentCaptures.length > 0 ? ` (${outcome.absentCaptures.length} shared captures absent: their checks did not run)` : "";
    console.log(`run ${i}/${runs}: ${outcome.passed} / ${outcome.total} passed in ${outcome.seconds.toFixed(0)} s: ${verdict}${absent}`);
  }
} finally {
  busyCore?.kill("SIGKILL");
}

const failedRuns = outcomes.filter((o) => o.failures.length > 0 || o.code !== 0).length;
const tests = outcomes.map((o) => o.total);
const selection = runnerArgs.length > 0 ? runnerArgs.join(" ") : "whole suite";
console.log(`\n${runs} runs of ${selection}${busy ? " with one core kept busy" : ""} (${Math.min(...tests)}-${Math.max(...tests)} tests a run, node ${process.version}, ${new Date().toISOString()}): ${runs - failedRuns} / ${runs} runs passed\n`);
console.log(failureTable(outcomes));
console.log(`\nlogs: ${logDir}`);
process.exitCode = failedRuns > 0 ? 1 : 0;
