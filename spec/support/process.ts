/**
 * Outside programs run by tests, with a time limit and their output collected. Every child is
 * tracked so `after` hooks can kill what is left (`killChildren`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { asText, keepOutput } from "./test-log.ts";

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();

/** Starts a program; its output is collected; `done` resolves when it exits (killed after `timeoutMs`). */
export function start(cmd: string, args: readonly string[], timeoutMs = 30000): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  keepOutput(`${cmd} ${args.join(" ")}`.slice(0, 160), () => `${stderr}${asText(stdout)}`);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<RunResult>((resolve) => {
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function run(cmd: string, args: readonly string[], timeoutMs = 30000): Promise<RunResult> {
  return start(cmd, args, timeoutMs).done;
}

/** Kills every program started here that is still running (for `after` hooks). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
}
