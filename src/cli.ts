/**
 * The `transpond` command: start (what `npm start` runs), publish, trace, conform, help.
 */
import { existsSync } from "node:fs";
import { loadConfig, type ConfigSources } from "./config.ts";
import { UsageError } from "./cli/errors.ts";
import { errorMessage, TRANSPOND_ERR, TranspondError } from "./errors.ts";
import { configureLogging, createLogger, type LogLevel } from "./log.ts";
import { transpondVersion } from "./version.ts";

const HELP = `Usage: transpond <command> [options]

Commands:
  start                         run the server (REST, WebSocket, RTMP) until interrupted
  publish FILE.flv URL [--loop] [--insecure]
                                send an FLV file to an RTMP/RTMPS URL (its last segment is the
                                stream name) at real-time pace, with progress and a summary; the
                                file is checked before connecting; exit 0 finished, 1 connection or
                                server trouble, 2 bad usage or file, 130 interrupted (Ctrl-C)
  trace FILE.pcap [--json]      print the RTMP messages of a capture and the conformance problems found;
                                exit 0 clean, 1 problems found, 2 no RTMP in it or not a readable capture
  conform server rtmp://host[:port]/app [--only ID,...] [--json] [--junit FILE] [--timeout MS]
                                ask an RTMP server the conformance scenarios; exit 0 when every
                                required one passes
  conform client --listen [host:]port [--sessions N] [--json] [--junit FILE]
                                act as an RTMP server and check each encoder or player that
                                connects (one report per connection; until N sessions or Ctrl-C)
  version                       print the version (also --version, -v)
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
  /** options that take a value (VALUE_FLAGS), without the dashes */
  values: Map<string, string>;
  sources: ConfigSources;
}

const VALUE_FLAGS = ["--only", "--junit", "--timeout", "--listen", "--sessions"];

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const sets: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--set" || arg === "--config") {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === "--set") sets.push(value);
      else file = value;
    } else if (arg.startsWith("--set=")) sets.push(arg.slice(6));
    else if (arg.startsWith("--config=")) file = arg.slice(9);
    else if (VALUE_FLAGS.includes(arg)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      values.set(arg.slice(2), value);
    }
    else if (arg === "-h" || arg === "--help") flags.add("help");
    else if (arg === "-v" || arg === "--version") flags.add("version");
    else if (arg.startsWith("--")) flags.add(arg.slice(2));
    else positional.push(arg);
  }
  if (file === undefined && existsSync("transpond.properties")) file = "transpond.properties";
  const command = flags.has("help") ? "help" : flags.has("version") ? "version" : (positional.shift() ?? "help");
  return { command, positional, flags, values, sources: { file, env: process.env, sets } };
}

function checkFlags(args: ParsedArgs, allowed: string[]): void {
  const unknown = [...args.flags, ...args.values.keys()].filter((f) => !allowed.includes(f));
  if (unknown.length) throw new UsageError(`unknown option --${unknown[0]} for ${args.command}`);
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

async function publish(args: ParsedArgs): Promise<number> {
  checkFlags(args, ["loop", "insecure"]);
  const [file, url, extra] = args.positional;
  if (file === undefined || url === undefined || extra !== undefined) throw new UsageError("usage: transpond publish FILE.flv URL [--loop] [--insecure]");
  const { config } = loadConfig(args.sources);
  configureLogging({ level: config["log.level"] as LogLevel, json: config["log.json"] });
  const { publishCommand } = await import("./cli/publish.ts");
  return publishCommand({ file, url, loop: args.flags.has("loop"), verifyTls: !args.flags.has("insecure"), flashVer: config.rtmp_flash_version });
}

/** `transpond trace` exit codes (README): scripts tell a clean capture from a bad one and from no RTMP at all. */
export const TRACE_EXIT = { CLEAN: 0, PROBLEMS: 1, NOT_RTMP: 2 } as const;

async function trace(args: ParsedArgs): Promise<number> {
  checkFlags(args, ["json"]);
  const [file, extra] = args.positional;
  if (file === undefined || extra !== undefined) throw new UsageError("usage: transpond trace FILE.pcap|pcapng [--json]");
  const { readFile } = await import("node:fs/promises");
  const { traceCapture, formatTrace, traceToJson } = await import("./rtmp/index.ts");
  let result: import("./rtmp/index.ts").TraceResult;
  try {
    result = traceCapture(await readFile(file));
  } catch (err) {
    console.error(`transpond: cannot trace ${file}: ${errorMessage(err)} (trace reads pcap and pcapng captures, e.g. from tcpdump -w or Wireshark)`);
    return TRACE_EXIT.NOT_RTMP;
  }
  process.stdout.write(args.flags.has("json") ? traceToJson(result) + "\n" : formatTrace(result) + "\n");
  if (result.sessions.length === 0) {
    console.error(`transpond: no RTMP session in ${file}: capture the RTMP port (tcp port 1935, or where the encoder connects) from the handshake on`);
    return TRACE_EXIT.NOT_RTMP;
  }
  return result.problems.length === 0 ? TRACE_EXIT.CLEAN : TRACE_EXIT.PROBLEMS;
}

async function conform(args: ParsedArgs): Promise<number> {
  const kind = args.positional[0];
  if (kind === "client") return conformClient(args);
  checkFlags(args, ["json", "junit", "only", "timeout"]);
  const [, url, extra] = args.positional;
  if (kind !== "server" || url === undefined || extra !== undefined) {
    throw new UsageError("usage: transpond conform server rtmp://host[:port]/app [--only ID,...] [--json] [--junit FILE] [--timeout MS] | conform client --listen [host:]port ...");
  }
  const timeoutMs = positiveInteger(args, "timeout");
  const conformModule = await import("./rtmp/conform/index.ts");
  const target = conformModule.parseConformTarget(url);
  const json = args.flags.has("json");
  const results = await conformModule.runScenarios(conformModule.SERVER_SCENARIOS, target, {
    timeoutMs,
    only: args.values.get("only")?.split(",").filter((s) => s !== ""),
    onResult: json ? undefined : (r) => process.stdout.write(conformModule.formatLine(r)),
  });
  const report = { subject: url, results };
  process.stdout.write(json ? conformModule.reportToJson(report) + "\n" : conformModule.summary(report));
  const junit = args.values.get("junit");
  if (junit !== undefined) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(junit, conformModule.reportToJunit(report));
  }
  return conformModule.exitCode(report);
}

function positiveInteger(args: ParsedArgs, flag: string): number | undefined {
  const text = args.values.get(flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) throw new UsageError(`--${flag} must be a positive integer, not ${text}`);
  return value;
}

/** `conform client --listen`: a report per session (a JSON line each with --json); exit 0 when every session passed its required checks. */
async function conformClient(args: ParsedArgs): Promise<number> {
  checkFlags(args, ["json", "junit", "listen", "sessions"]);
  const listen = args.values.get("listen");
  const m = listen === undefined ? null : /^(?:(.+):)?(\d+)$/.exec(listen);
  if (!m || args.positional.length !== 1) throw new UsageError("usage: transpond conform client --listen [host:]port [--sessions N] [--json] [--junit FILE]");
  const sessions = positiveInteger(args, "sessions");
  const conformModule = await import("./rtmp/conform/index.ts");
  const { writeFileSync } = await import("node:fs");
  const json = args.flags.has("json");
  const junit = args.values.get("junit");
  const reports: import("./rtmp/conform/index.ts").ConformReport[] = [];
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const checker = new conformModule.ClientChecker({
    onReport: (report) => {
      reports.push(report);
      process.stdout.write(json ? JSON.stringify(JSON.parse(conformModule.reportToJson(report))) + "\n" : `${conformModule.formatReport(report)}\n`);
      if (junit !== undefined) writeFileSync(junit, conformModule.reportsToJunit(reports));
      if (sessions !== undefined && reports.length >= sessions) finish();
    },
  });
  const port = await checker.listen(Number(m[2]), m[1] ?? "127.0.0.1");
  if (!json) process.stdout.write(`checking RTMP clients on rtmp://${m[1] ?? "127.0.0.1"}:${port}/<app>/<name>\n`);
  process.once("SIGINT", finish);
  process.once("SIGTERM", finish);
  await done;
  await checker.close();
  return reports.every((r) => conformModule.exitCode(r) === 0) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case "help":
        console.log(HELP);
        return 0;
      case "version":
        console.log(`transpond ${transpondVersion()}`);
        return 0;
      case "start":
        await start(args);
        return -1;
      case "publish":
        return await publish(args);
      case "trace":
        return await trace(args);
      case "conform":
        return await conform(args);
      default:
        throw new UsageError(`unknown command "${args.command}" (try transpond --help)`);
    }
  } catch (err) {
    console.error(`transpond: ${errorMessage(err)}`);
    return err instanceof TranspondError && err.code === TRANSPOND_ERR.USAGE ? 2 : 1;
  }
}
