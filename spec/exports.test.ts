/**
 * The package's public entries: every `exports` subpath of package.json is built from a src index
 * with named exports only (no `export *` barrels), and points at JavaScript with its `.d.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const test = suite("exports");
const ROOT = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };
const SUBPATHS = [".", "./rtmp", "./flv", "./sip", "./rtp", "./sdp", "./audio", "./codecs", "./pcap", "./agent"];

function sourceOf(subpath: string): string {
  return resolve(ROOT, "src", subpath === "." ? "index.ts" : `${subpath.slice(2)}/index.ts`);
}

test("package.json exports the gateway and each protocol layer, with types first", () => {
  assert.equal(Object.keys(pkg.exports).sort(), [...SUBPATHS].sort());
  for (const subpath of SUBPATHS) {
    const dir = subpath === "." ? "" : `${subpath.slice(2)}/`;
    assert.equal(pkg.exports[subpath], { types: `./dist/${dir}index.d.ts`, default: `./dist/${dir}index.js` }, subpath);
    assert.equal(Object.keys(pkg.exports[subpath]!)[0], "types", `${subpath}: "types" must come first to be used`);
  }
});

test("every entry's index names what it exports (no export * barrels)", () => {
  for (const subpath of SUBPATHS) {
    const file = sourceOf(subpath);
    assert.ok(existsSync(file), `${subpath}: ${file} exists`);
    const text = readFileSync(file, "utf8");
    assert.not.match(text, /export\s+(type\s+)?\*/, `${subpath}: no export *`);
  }
});

test("the root entry starts a gateway and the rtmp entry has the publisher (DESIGN's own example)", async () => {
  const root = await import(sourceOf("."));
  assert.type(root.startApp, "function");
  assert.type(root.StreamHub, "function");
  assert.type(root.TranspondError, "function");
  const rtmp = await import(sourceOf("./rtmp"));
  assert.type(rtmp.RtmpPublisher, "function");
});

test.run();
