#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx (no build step).
import { register } from "tsx/esm/api";

register();
// `transpond trace x.pcap | head` closes stdout early: that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
const { main } = await import("../src/cli.ts");
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
