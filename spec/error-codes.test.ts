/**
 * Every error code under src/ is named in a code table and used through it: a code written inline
 * where it is thrown or compared cannot be found from the table that says what it means, nor renamed
 * in one place. A table is `export const X_ERR = { KEY: "ERR_...", ... } as const;` in its layer's
 * `errors.ts` (src/<layer>/errors.ts, or errors.ts of a part such as rtmp/client/), so a reader finds
 * a layer's codes and its error base in one file, and this test finds every table.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
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

interface CodeTable {
  readonly name: string;
  readonly codes: readonly string[];
}

interface ErrorCodeUse {
  readonly tables: readonly CodeTable[];
  /** `line: text` of every code outside a table, comments left out */
  readonly inline: readonly string[];
}

const TABLE_START = /^export const (\w+) = \{/;
const TABLE_END = /\} as const;\s*$/;
const CODE = /"(ERR_[A-Z0-9_]+)"/;

/** The code tables of a source text and the codes written outside them. */
function errorCodeUse(text: string): ErrorCodeUse {
  const tables: CodeTable[] = [];
  const inline: string[] = [];
  let open: { name: string; codes: string[] } | undefined;
  for (const [i, line] of text.split("\n").entries()) {
    const start = open ? undefined : TABLE_START.exec(line);
    if (start) open = { name: start[1]!, codes: [] };
    const code = /^\s*(\/\*|\*|\/\/)/.test(line) ? undefined : CODE.exec(line)?.[1];
    if (code !== undefined && open) open.codes.push(code);
    else if (code !== undefined) inline.push(`${i + 1}: ${line.trim()}`);
    if (open && TABLE_END.test(line)) {
      if (open.codes.length > 0) tables.push(open);
      open = undefined;
    }
  }
  return { tables, inline };
}

const use = new Map(sourceFiles(SRC).map((file) => [relative(SRC, file), errorCodeUse(readFileSync(file, "utf8"))]));

test("no error code is written inline outside a code table", () => {
  const inline = [...use].flatMap(([file, { inline }]) => inline.map((line) => `${file}:${line}`));
  assert.equal(inline, [], "name these codes in their layer's table and use the table");
});

test("every code table is an X_ERR in an errors.ts", () => {
  const tables = [...use].flatMap(([file, { tables }]) => tables.map((table) => ({ file, name: table.name })));
  assert.ok(tables.length >= 20, `${tables.length} tables found`);
  const misplaced = tables.filter(({ file, name }) => basename(file) !== "errors.ts" || !/^[A-Z][A-Z0-9_]*_ERR$/.test(name));
  assert.equal(misplaced.map(({ file, name }) => `${file}: ${name}`), [], "name the table X_ERR and move it to its layer's errors.ts");
});

test("each code has one owning table (a layer that raises another layer's code names it from that table)", () => {
  const owners = new Map<string, string[]>();
  for (const [file, { tables }] of use) {
    for (const table of tables) for (const code of table.codes) owners.set(code, [...(owners.get(code) ?? []), `${file} ${table.name}`]);
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

test("the check tells tables, inline codes and comments apart", () => {
  const text = [
    'export const FLV_ERR = {',
    '  /** the "ERR_X" in a comment is no code */',
    '  TRUNCATED: "ERR_FLV_TRUNCATED",',
    '} as const;',
    'export const WEB_ERR = { BUNDLE: "ERR_WEB_BUNDLE" } as const;',
    'export const LIMITS = { max: 3 } as const;',
    '    throw new ParseError("ERR_FLV_SHORT", "short", 0);',
    '// "ERR_IN_A_COMMENT"',
  ].join("\n");
  assert.equal(errorCodeUse(text), {
    tables: [
      { name: "FLV_ERR", codes: ["ERR_FLV_TRUNCATED"] },
      { name: "WEB_ERR", codes: ["ERR_WEB_BUNDLE"] },
    ],
    inline: ['7: throw new ParseError("ERR_FLV_SHORT", "short", 0);'],
  });
});

test.run();
