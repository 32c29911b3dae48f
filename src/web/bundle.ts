/**
 * Builds the pages at server start, into memory: esbuild bundles each page script (with mpegts.js
 * for the player), the Web SDK's own browser build is taken as it ships, and every script, style and
 * icon gets a content-hashed name under `/assets/` so it can be cached for good. The HTML pages name
 * assets as `{{asset:NAME}}`; the bundler puts the hashed paths in.
 * The bundled scripts are kept in node_modules/.cache/transpond-web/ under a hash of what goes into
 * them (the client sources, the esbuild and mpegts.js versions, the options), so esbuild (loaded
 * only then) runs once per change, not at every start; without a writable cache it runs each time.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";
import { WEB_ERR, WebError } from "./errors.ts";

export interface WebAsset {
  /** URL path, e.g. `/publisher.html` or `/assets/publisher.1a2b3c4d5e.js` */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  /** strong ETag (quoted content hash) */
  readonly etag: string;
  /** true for content-hashed assets, which never change under the same path */
  readonly immutable: boolean;
}

/** URL path -> asset. Only what is in here is ever served. */
export type WebAssets = ReadonlyMap<string, WebAsset>;

export const PAGES = ["index.html", "publisher.html", "player.html", "transponders.html", "console.html"] as const;
const SCRIPTS = ["publisher", "player", "transponders", "console"] as const;
const STATIC_FILES = ["style.css", "favicon.svg"] as const;
/** The SDK build with only the WebRTC media provider: the pages need nothing else. */
const SDK_FILE = "@flashphoner/websdk/flashphoner-webrtc-only.min.js";

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

export interface BundleOptions {
  /** minify the page scripts (default true) */
  readonly minify?: boolean;
}

const HERE = fileURLToPath(new URL(".", import.meta.url));

function contentType(name: string): string {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)];
  if (!type) throw new WebError(WEB_ERR.BUNDLE, `no content type for ${name}`);
  return type;
}

function hashOf(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

function makeAsset(path: string, body: Uint8Array, immutable: boolean): WebAsset {
  return { path, body, contentType: contentType(path), etag: `"${hashOf(body)}"`, immutable };
}

/** `name.ext` -> `/assets/name.<hash>.ext` */
function hashedAsset(name: string, body: Uint8Array): WebAsset {
  const dot = name.lastIndexOf(".");
  return makeAsset(`/assets/${name.slice(0, dot)}.${hashOf(body).slice(0, 10)}${name.slice(dot)}`, body, true);
}

const BUILD_OPTIONS: BuildOptions = { format: "iife", platform: "browser", target: ["chrome109", "firefox115", "safari16"], sourcemap: false, legalComments: "eof" };
const requireHere = createRequire(import.meta.url);

async function bundleScripts(minify: boolean): Promise<Map<string, Uint8Array>> {
  try {
    const { build } = await import("esbuild");
    const result = await build({
      ...BUILD_OPTIONS,
      entryPoints: SCRIPTS.map((name) => ({ in: join(HERE, "client", `${name}.ts`), out: name })),
      outdir: "/web-out",
      bundle: true,
      write: false,
      minify,
      logLevel: "silent",
    });
    return new Map((result.outputFiles ?? []).map((file) => [file.path.slice(file.path.lastIndexOf("/") + 1), file.contents]));
  } catch (err) {
    throw new WebError(WEB_ERR.BUNDLE, `bundling the page scripts failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Hash of everything the bundled scripts are made of. */
async function scriptsKey(minify: boolean): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify({ minify, BUILD_OPTIONS, scripts: SCRIPTS }));
  for (const pkg of ["esbuild/package.json", "mpegts.js/package.json"]) hash.update(await readFile(requireHere.resolve(pkg)));
  const client = join(HERE, "client");
  for (const name of (await readdir(client)).sort()) hash.update(name).update(await readFile(join(client, name)));
  return hash.digest("hex").slice(0, 32);
}

/** node_modules/.cache/transpond-web beside the esbuild this package resolves. */
export function webCacheDir(): string {
  const esbuild = requireHere.resolve("esbuild/package.json");
  return join(esbuild.slice(0, esbuild.lastIndexOf("/node_modules/") + "/node_modules".length), ".cache", "transpond-web");
}

/** The bundled scripts from the cache, or built and cached (a cache that cannot be written is skipped). */
async function cachedScripts(minify: boolean): Promise<Map<string, Uint8Array>> {
  const dir = join(webCacheDir(), await scriptsKey(minify));
  try {
    return new Map(await Promise.all(SCRIPTS.map(async (name) => [`${name}.js`, new Uint8Array(await readFile(join(dir, `${name}.js`)))] as const)));
  } catch {
    // not cached yet
  }
  const scripts = await bundleScripts(minify);
  try {
    const temp = `${dir}.${process.pid}.tmp`;
    await mkdir(temp, { recursive: true });
    for (const [name, body] of scripts) await writeFile(join(temp, name), body);
    await rename(temp, dir); // whole or not at all; another process may have won the race, which is fine
  } catch {
    // read-only install: bundle at every start
  }
  return scripts;
}

async function readSource(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new WebError(WEB_ERR.BUNDLE, `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Replaces `{{asset:NAME}}` with the asset's hashed path; an unknown name is a bundling error. */
export function linkAssets(page: string, html: string, assets: ReadonlyMap<string, WebAsset>): string {
  return html.replace(/\{\{asset:([^}]+)\}\}/g, (_m, name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new WebError(WEB_ERR.BUNDLE, `${page} names an unknown asset: ${name}`);
    return asset.path;
  });
}

/** Builds every page and asset; call once at server start. */
export async function bundleWebAssets(options: BundleOptions = {}): Promise<WebAssets> {
  const byName = new Map<string, WebAsset>();
  const scripts = await cachedScripts(options.minify ?? true);
  for (const name of SCRIPTS) {
    const body = scripts.get(`${name}.js`);
    if (!body) throw new WebError(WEB_ERR.BUNDLE, `esbuild produced no ${name}.js`);
    byName.set(`${name}.js`, hashedAsset(`${name}.js`, body));
  }
  const sdkPath = requireHere.resolve(SDK_FILE);
  byName.set("flashphoner.js", hashedAsset("flashphoner.js", await readSource(sdkPath)));
  for (const name of STATIC_FILES) byName.set(name, hashedAsset(name, await readSource(join(HERE, "pages", name))));

  const served = new Map<string, WebAsset>();
  for (const asset of byName.values()) served.set(asset.path, asset);
  for (const page of PAGES) {
    const html = linkAssets(page, Buffer.from(await readSource(join(HERE, "pages", page))).toString("utf8"), byName);
    served.set(`/${page}`, makeAsset(`/${page}`, Buffer.from(html, "utf8"), false));
  }
  return served;
}

let shared: Promise<WebAssets> | undefined;
/** One build per process, shared by every caller (tests start many apps); a failed build is retried next call. */
export function webAssets(): Promise<WebAssets> {
  shared ??= bundleWebAssets().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}
