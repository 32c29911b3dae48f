/**
 * DESIGN's layer order, checked on every import under src/: a file may import its own folder and
 * folders of lower layers, never a higher layer or a sibling of its own layer. The few imports that
 * still go up are listed below with the reason, so each one is a decision, not an accident.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const test = suite("layers");
const SRC = resolve(import.meta.dirname, "../src");

/** Lowest first. A top-level file is its own unit; a folder of src/ is one unit. */
const LAYERS: readonly (readonly string[])[] = [
  ["credentials.ts", "access-tokens.ts"],
  ["errors.ts", "log.ts", "events.ts", "version.ts", "names.ts", "clock.ts"],
  ["config-keys.ts", "connection-limit.ts"],
  ["config.ts", "certificate.ts"],
  ["codecs"],
  ["audio", "rtp", "sdp", "flv", "pcap"],
  ["rtmp", "sip", "agent"],
  ["core"],
  ["cluster"],
  ["rest"],
  ["web"],
  ["banner.ts"],
  ["app.ts"],
  ["cli"],
  ["cli.ts", "index.ts"],
];

/** `from -> to` (src-relative paths) that go up the order today, and why they still do. */
const KNOWN_EXCEPTIONS: Readonly<Record<string, string>> = {};

function unitOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : rel;
}

function rankOf(unit: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(unit));
  if (rank < 0) throw new Error(`src/${unit} is in no layer of spec/layers.test.ts: add it where DESIGN's layout puts it`);
  return rank;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Every relative import of `file`: static, type-only, re-exports and dynamic `import()`. */
function importsOf(file: string): Edge[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .filter((f) => f.fileName.startsWith("."))
    .map((f) => ({ from: relative(SRC, file), to: relative(SRC, resolve(dirname(file), f.fileName)) }));
}

/** The browser scripts of the web pages are bundled for the browser and import only each other. */
const files = sourceFiles(SRC).filter((f) => !relative(SRC, f).startsWith("web/client/"));
const edges = files.flatMap(importsOf);

function goesUp(edge: Edge): boolean {
  const from = unitOf(join(SRC, edge.from));
  const to = unitOf(join(SRC, edge.to));
  return from !== to && rankOf(to) >= rankOf(from);
}

test("finds the imports of every file, type-only and dynamic ones included", () => {
  assert.ok(files.length > 100, `${files.length} files`);
  assert.ok(edges.some((e) => e.from === "cli.ts" && e.to === "app.ts"), "cli.ts's dynamic import of app.ts");
  assert.ok(edges.some((e) => e.from === "core/ingest/webrtc-ingest.ts" && e.to === "agent/signaling/handler.ts"), "a type-only import");
  assert.ok(edges.some((e) => e.from === "index.ts" && e.to === "app.ts"), "a re-export");
});

test("every folder and top-level file of src/ has a place in the layer order", () => {
  for (const file of files) rankOf(unitOf(file));
});

test("no import goes up DESIGN's layer order (lower layers never import higher ones, siblings not each other)", () => {
  const violations = edges.filter((e) => goesUp(e) && !(`${e.from} -> ${e.to}` in KNOWN_EXCEPTIONS));
  assert.equal(
    violations.map((e) => `${e.from} -> ${e.to}`),
    [],
  );
});

test("every known exception still exists (remove it from the list once it is fixed)", () => {
  const present = new Set(edges.filter(goesUp).map((e) => `${e.from} -> ${e.to}`));
  assert.equal(
    Object.keys(KNOWN_EXCEPTIONS).filter((edge) => !present.has(edge)),
    [],
  );
});

test("the check fails on an upward import: an rtp file importing core, a sibling import between protocols", () => {
  assert.ok(goesUp({ from: "rtp/packet.ts", to: "core/stream/hub.ts" }));
  assert.ok(goesUp({ from: "sip/dialog.ts", to: "rtmp/messages.ts" }));
  assert.ok(goesUp({ from: "errors.ts", to: "log.ts" }));
  assert.not.ok(goesUp({ from: "core/stream/hub.ts", to: "rtp/packet.ts" }));
  assert.not.ok(goesUp({ from: "rtp/packet.ts", to: "rtp/rtcp/pli.ts" }));
});

test.run();
