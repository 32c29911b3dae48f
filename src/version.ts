/** The package version, read once from package.json (one folder up from src/ and from dist/). */
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function transpondVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cached;
}
