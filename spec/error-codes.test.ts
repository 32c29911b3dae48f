/**
 * Every error code under src/ is named in a code table (`X_ERR = { KEY: "ERR_..." }`) and used
 * through it: a code written inline where it is thrown or compared cannot be found from the table
 * that says what it means, nor renamed in one place.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const test = suite("error codes");
const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

const TABLE_ENTRY = /^\s*(export const \w+ = \{ )?[A-Z0-9_]+: "ERR_[A-Z0-9_]+",?( \} as const;)?\s*$/;

test("no error code is written inline outside a code table", () => {
  const inline = sourceFiles(SRC).flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => (/"ERR_[A-Z0-9_]+"/.test(line) && !TABLE_ENTRY.test(line) && !/^\s*(\*|\/\/)/.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
  assert.equal(inline, [], "name these codes in their layer's table and use the table");
});

test("each code has one owning table (a layer that raises another layer's code names it from that table)", () => {
  const owners = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const code = TABLE_ENTRY.test(line) ? /"(ERR_[A-Z0-9_]+)"/.exec(line)?.[1] : undefined;
      if (code !== undefined) owners.set(code, [...(owners.get(code) ?? []), relative(SRC, file)]);
    }
  }
  const shared = [...owners].filter(([, files]) => files.length > 1).map(([code, files]) => `${code}: ${files.join(", ")}`);
  assert.equal(shared, []);
});

test("every layer throws its own base (or a subclass), never the project's TranspondError", () => {
  const direct = sourceFiles(SRC)
    .filter((file) => relative(SRC, file) !== "errors.ts")
    .flatMap((file) => readFileSync(file, "utf8").split("\n").flatMap((line, i) => (/new TranspondError\(/.test(line) ? [`${relative(SRC, file)}:${i + 1}`] : [])));
  assert.equal(direct, [], "throw the layer's base (src/<layer>/errors.ts) so callers can tell the layer");
});

test("the check sees a table entry and an inline code apart", () => {
  assert.ok(TABLE_ENTRY.test('  TRUNCATED: "ERR_FLV_TRUNCATED",'));
  assert.ok(TABLE_ENTRY.test('export const WEB_ERR = { BUNDLE: "ERR_WEB_BUNDLE" } as const;'));
  assert.not.ok(TABLE_ENTRY.test('    throw new ParseError("ERR_FLV_TRUNCATED", "short", 0);'));
});

test.run();
