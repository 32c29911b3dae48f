/**
 * e2e tests need outside programs. A missing program skips the test with a printed reason, unless
 * TRANSPOND_E2E=required (CI), when it is a failure.
 */
import { execFileSync } from "node:child_process";
import { suite, type Test } from "uvu";
import { noteHookError, snapshotOutput } from "./test-log.ts";

export const E2E_REQUIRED = process.env.TRANSPOND_E2E === "required";

const found = new Map<string, boolean>();
export function hasProgram(name: string): boolean {
  if (!found.has(name)) {
    try {
      execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
      found.set(name, true);
    } catch {
      found.set(name, false);
    }
  }
  return found.get(name)!;
}

/**
 * A uvu suite whose tests run only when every program is on PATH. Use it like `suite()`; the returned
 * suite is already set up to skip or fail as described above.
 */
export function e2eSuite(name: string, programs: string[]): Test {
  const s = printingHookErrors(suite(name), name);
  s.after.each(snapshotOutput);
  const missing = programs.filter((p) => !hasProgram(p));
  if (missing.length === 0) return s;
  const reason = `needs ${missing.join(", ")} on PATH`;
  if (E2E_REQUIRED) {
    s.before(() => {
      throw new Error(`${name}: ${reason} (TRANSPOND_E2E=required)`);
    });
    return s;
  }
  console.log(`skip: ${name}: ${reason}`);
  const skipping = ((_name: string, _fn: unknown) => s.skip()) as unknown as Test;
  return Object.assign(skipping, { run: () => s.run(), skip: s.skip, only: skipping, before: s.before, after: s.after });
}

/** uvu prints nothing when a `before` hook throws (its tests just do not run): say why. */
function printingHookErrors(s: Test, name: string): Test {
  const register = s.before;
  const before = ((hook: Parameters<Test["before"]>[0]) =>
    register(async (context) => {
      try {
        await hook(context);
      } catch (err) {
        console.error(`${name}: before hook failed:`, err);
        noteHookError(err);
        throw err;
      }
    })) as Test["before"];
  before.each = register.each;
  s.before = before;
  return s;
}
