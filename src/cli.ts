/**
 * The `transpond` command: start (what `npm start` runs), publish, trace, help.
 */
import { existsSync } from "node:fs";
import { loadConfig, type ConfigSources } from "./config.ts";
import { errorMessage, TranspondError } from "./errors.ts";
import { configureLogging, createLogger, type LogLevel } from "./log.ts";

const HELP = `Usage: transpond <command> [options]

Commands:
  start                         run the server (REST, WebSocket, RTMP) until interrupted
  publish FILE.flv URL [--loop] send an FLV file to an RTMP/RTMPS URL at real-time pace
  trace FILE.pcap [--json]      print the RTMP messages of a capture and the conformance problems found
  help                          this text

Options:
  --config FILE      properties file (default ./transpond.properties when present)
  --set key=value    set a configuration key (repeatable); see the README for every key
  --help, -h         this text

Every key can also be set with the environment variable TRANSPOND_<KEY> (dots and dashes become
underscores, upper case), e.g. TRANSPOND_RTMP_PORT=1936.`;

export interface ParsedArgs {
  command: string;
  positional: string[];
  flags: Set<string>;
  sources: ConfigSources;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Set<string>();
  const sets: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--set" || arg === "--config") {
      const value = argv[++i];
      if (value === undefined) throw new TranspondError("ERR_USAGE", `${arg} needs a value`);
      if (arg === "--set") sets.push(value);
      else file = value;
    } else if (arg.startsWith("--set=")) sets.push(arg.slice(6));
    else if (arg.startsWith("--config=")) file = arg.slice(9);
    else if (arg === "-h" || arg === "--help") flags.add("help");
    else if (arg.startsWith("--")) flags.add(arg.slice(2));
    else positional.push(arg);
  }
  if (file === undefined && existsSync("transpond.properties")) file = "transpond.properties";
  const command = flags.has("help") ? "help" : (positional.shift() ?? "help");
  return { command, positional, flags, sources: { file, env: process.env, sets } };
}

function checkFlags(args: ParsedArgs, allowed: string[]): void {
  const unknown = [...args.flags].filter((f) => !allowed.includes(f));
  if (unknown.length) throw new TranspondError("ERR_USAGE", `unknown option --${unknown[0]} for ${args.command}`);
}

async function start(args: ParsedArgs): Promise<void> {
  checkFlags(args, []);
  const { config, unknownKeys } = loadConfig(args.sources);
  configureLogging({ level: config["log.level"] as LogLevel, json: config["log.json"] });
  const log = createLogger("cli");
  for (const key of unknownKeys) log.warn(`unknown configuration key ignored: ${key}`);
  const { startApp } = await import("./app.ts");
  const app = await startApp(config);
  const stop = (signal: string) => {
    log.info(`${signal}: shutting down`);
    void app.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case "help":
        console.log(HELP);
        return 0;
      case "start":
        await start(args);
        return -1;
      default:
        throw new TranspondError("ERR_USAGE", `unknown command "${args.command}" (try transpond --help)`);
    }
  } catch (err) {
    console.error(`transpond: ${errorMessage(err)}`);
    return err instanceof TranspondError && err.code === "ERR_USAGE" ? 2 : 1;
  }
}
