#!/usr/bin/env node
// Runs the JavaScript build in dist/ (made by `npm run build`, and by `prepare` at install and pack
// time) with plain Node: no TypeScript loader thread (about 30 MB) and no transpiling at start.
// Without a build, or when a file under src/ is newer than it (a checkout being worked on), runs the
// TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const built = join(root, "dist/cli.js");
const builtUrl = new URL("../dist/cli.js", import.meta.url).href;

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const useBuild = existsSync(built) && newestUnder(join(root, "src")) <= statSync(built).mtimeMs;
if (!useBuild) (await import("tsx/esm/api")).register();
// `transpond trace x.pcap | head` closes stdout early: that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
const { main } = await import(useBuild ? builtUrl : "../src/cli.ts");
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
