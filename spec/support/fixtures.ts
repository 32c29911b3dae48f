/**
 * Fixture paths. `fixture()` is a file in this repository's fixtures/ (licences allow copying).
 * `sharedFixture()` is a capture that may only be used in place from ../shared/fixtures; it returns
 * undefined (and the test should skip with the printed reason) when that folder is absent. The runner
 * names the absent ones in its summary: the checks that read them did not run although their tests passed.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../..");
export const SHARED_FIXTURES = resolve(repoRoot, "../shared/fixtures");

export function fixture(name: string): string {
  const path = resolve(repoRoot, "fixtures", name);
  if (!existsSync(path)) throw new Error(`fixture missing: fixtures/${name}`);
  return path;
}

/** Shared captures a test asked for and did not find, for the runner's summary. */
export const absentSharedFixtures = new Set<string>();

export function sharedFixture(name: string): string | undefined {
  const path = resolve(SHARED_FIXTURES, name);
  if (existsSync(path)) return path;
  console.log(`skip: ${name} is used in place from ../shared/fixtures, which is absent`);
  absentSharedFixtures.add(name);
  return undefined;
}
