/**
 * README's Layout table against the tree: every folder and top-level file of src/ has a row, each
 * row names the subfolders of its folder, and every src/ path the table names exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const test = suite("README layout");
const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("\n## Layout"), readme.indexOf("\n## ", readme.indexOf("\n## Layout") + 1));
/** table rows: the first cell's backticked paths, and the whole row's text */
const rows = section
  .split("\n")
  .filter((line) => line.startsWith("| `"))
  .map((line) => ({ paths: [...line.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), text: line }));

const globMatches = (glob: string, path: string) => new RegExp(`^${glob.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`).test(path);
const rowOf = (path: string) => rows.find((r) => r.paths.some((p) => globMatches(p, path)));
const folders = (dir: string) => readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()).sort();

test("the section has a table", () => {
  assert.ok(rows.length > 10, `${rows.length} rows`);
});

test("every folder and top-level file of src/ has a row", () => {
  const missing = readdirSync(SRC)
    .map((name) => (statSync(join(SRC, name)).isDirectory() ? `src/${name}/` : `src/${name}`))
    .filter((path) => path.endsWith("/") || path.endsWith(".ts"))
    .filter((path) => !rowOf(path));
  assert.equal(missing, [], "add these to README's Layout table");
});

test("each folder's row names its subfolders", () => {
  const unnamed = folders(SRC).flatMap((layer) => {
    const row = rowOf(`src/${layer}/`);
    return row ? folders(join(SRC, layer)).filter((sub) => !row.text.includes(`\`${sub}/\``)).map((sub) => `src/${layer}/${sub}/`) : [];
  });
  assert.equal(unnamed, [], "name these (as `sub/`) in their folder's row");
});

test("every src/ path the table names exists", () => {
  const named = rows.flatMap((r) => r.paths).filter((p) => p.startsWith("src/") && !p.includes("*"));
  assert.equal(named.filter((p) => !existsSync(join(ROOT, p))), []);
});

test.run();
