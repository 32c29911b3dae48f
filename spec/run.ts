/**
 * Runs every spec/**\/*.test.ts with uvu in one process and ends with the line `N passed, N failed`
 * (uvu's own summary has another shape). Arguments filter test files by substring; `--unit` leaves
 * out spec/e2e.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname);
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));

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

// Tests log only warnings and errors unless asked otherwise.
const { configureLogging } = await import("../src/log.ts");
configureLogging({ level: (process.env.TRANSPOND_LOG_LEVEL as "warn" | undefined) ?? "warn" });

declare global {
  var UVU_DEFER: number;
  var UVU_QUEUE: unknown[][];
  var UVU_INDEX: number;
}
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];
const uvu = await import("uvu");

for (const [i, file] of files.entries()) {
  globalThis.UVU_INDEX = i;
  globalThis.UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}

let output = "";
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
  return write(chunk, ...rest);
}) as typeof process.stdout.write;
await uvu.exec(false);
process.stdout.write = write;

const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu counts a suite whose `before` hook threw as not passed but prints no error and keeps exit code 0
const unfinished = plain.split("\n").filter((line) => {
  const m = /\((\d+) \/ (\d+)\)\s*$/.exec(line);
  return m !== null && m[1] !== m[2];
});
if (unfinished.length > 0) console.log(`\nsuites with tests that did not pass:\n${unfinished.map((l) => `  ${l.trim()}`).join("\n")}`);
console.log(`${passed} passed, ${total - passed} failed, ${skipped} skipped`);
if (files.length === 0 || total === 0 || passed < total) process.exitCode = 1;
// Sockets or timers a test forgot must not keep CI waiting: the summary above is the verdict.
setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
