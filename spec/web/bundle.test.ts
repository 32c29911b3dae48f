import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleWebAssets, linkAssets, PAGES, webAssets, webCacheDir, type WebAsset, type WebAssets } from "../../src/web/bundle.ts";
import { WEB_ERR, WebError } from "../../src/web/errors.ts";

const test = suite("web/bundle");
let assets: WebAssets;

test.before(async () => {
  assets = await bundleWebAssets();
});

const text = (a: WebAsset | undefined) => Buffer.from(a!.body).toString("utf8");
const linked = (page: string) => [...text(assets.get(`/${page}`)).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

test("every page is built as text/html with its placeholders replaced by hashed asset paths", () => {
  for (const page of PAGES) {
    const asset = assets.get(`/${page}`);
    assert.ok(asset, page);
    assert.is(asset.contentType, "text/html; charset=utf-8");
    assert.is(asset.immutable, false, "pages are revalidated");
    assert.not.match(text(asset), "{{asset:");
    assert.ok(linked(page).length >= 2, `${page} links its style and icon`);
  }
});

test("every asset a page links is served, with a content-hashed immutable name and the right type", () => {
  for (const page of PAGES) {
    for (const path of linked(page)) {
      const asset = assets.get(path);
      assert.ok(asset, `${page} links ${path}`);
      assert.ok(asset.immutable);
      assert.match(path, /^\/assets\/[a-z-]+\.[0-9a-f]{10}\.(js|css|svg)$/);
      assert.is(asset.contentType, { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" }[path.split(".").pop()!]);
    }
  }
});

test("the publisher and player load the official Web SDK build and their own bundle; the transponders page needs no SDK", () => {
  const scripts = (page: string) => linked(page).filter((p) => p.endsWith(".js")).map((p) => p.split("/")[2]!.split(".")[0]);
  assert.equal(scripts("publisher.html"), ["flashphoner", "publisher"]);
  assert.equal(scripts("player.html"), ["flashphoner", "player"]);
  assert.equal(scripts("transponders.html"), ["transponders"]);
  assert.equal(scripts("console.html"), ["console"]);
  const sdk = [...assets.values()].find((a) => a.path.startsWith("/assets/flashphoner."))!;
  assert.match(text(sdk), "createSession");
  assert.ok(sdk.body.byteLength > 100_000, "the whole SDK build");
});

test("the page bundles are self-contained browser scripts: no import or unresolved require left, mpegts.js inside the player", () => {
  for (const name of ["publisher", "player", "transponders"]) {
    const js = text([...assets.values()].find((a) => a.path.startsWith(`/assets/${name}.`)));
    assert.not.match(js, /^\s*import\s/m, `${name} has no ES import`);
    assert.not.match(js, /\b__require\b/, `${name} has no unresolved require() shim`);
  }
  const player = text([...assets.values()].find((a) => a.path.startsWith("/assets/player.")));
  assert.match(player, "MediaSource", "the MSE player is bundled");
  assert.match(player, "rtmpApp", "the player plays HTTP-FLV under the application /stream/find gives");
});

test("ETags are the content hash: equal builds give equal tags, different bodies different tags", async () => {
  const again = await bundleWebAssets();
  for (const [path, asset] of assets) assert.is(again.get(path)?.etag, asset.etag, path);
  const etags = new Set([...assets.values()].map((a) => a.etag));
  assert.is(etags.size, assets.size);
});

test("the bundled scripts are cached under a hash of what makes them: served from the cache, another entry for other options", async () => {
  const served = (a: WebAssets, name: string) => [...a.values()].find((x) => x.path.startsWith(`/assets/${name}.`) && x.path.endsWith(".js"))!;
  const entries = () => readdirSync(webCacheDir()).filter((e) => !e.endsWith(".tmp"));
  const holding = (body: Uint8Array) => entries().filter((e) => existsSync(join(webCacheDir(), e, "player.js")) && readFileSync(join(webCacheDir(), e, "player.js")).equals(body));
  // an entry made before another page's script changed holds the same player script: at least one
  assert.ok(holding(served(assets, "player").body).length >= 1, "the served player script is in a cache entry");
  const plain = await bundleWebAssets({ minify: false });
  const plainPlayer = served(plain, "player").body;
  assert.ok(plainPlayer.length > served(assets, "player").body.length);
  assert.ok(holding(plainPlayer).length >= 1, "an unminified build has its own entry");
  const again = await bundleWebAssets({ minify: false });
  assert.is(served(again, "player").etag, served(plain, "player").etag);
});

test("webAssets() builds once per process and hands every caller the same pages", async () => {
  const [a, b] = await Promise.all([webAssets(), webAssets()]);
  assert.is(a, b);
  assert.is(await webAssets(), a);
  assert.equal([...a.keys()].sort(), [...assets.keys()].sort());
});

test("a page naming an unknown asset is a bundling error, not a broken link", () => {
  const known = new Map([["style.css", { path: "/assets/style.0123456789.css" } as WebAsset]]);
  assert.is(linkAssets("x.html", '<link href="{{asset:style.css}}">', known), '<link href="/assets/style.0123456789.css">');
  try {
    linkAssets("x.html", '<script src="{{asset:missing.js}}"></script>', known);
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, WebError);
    assert.is((err as WebError).code, WEB_ERR.BUNDLE);
    assert.match((err as Error).message, "missing.js");
  }
});

test.run();
