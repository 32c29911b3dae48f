// Builds the package for plain Node (run by `prepare` and `prepack`): JavaScript and .d.ts in dist/
// from tsc, plus the web pages and the page scripts' TypeScript, which the server bundles at start.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
for (const folder of ["pages", "client"]) cpSync(join(root, "src/web", folder), join(root, "dist/web", folder), { recursive: true });
