/**
 * What a test run left behind: processes it started (found by an environment marker every child
 * inherits, so orphans re-parented to init are found too) and sockets still listening in this process.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Server } from "node:net";
import { Socket } from "node:dgram";

export const RUN_MARKER = "TRANSPOND_TEST_RUN";

/** Marks this process: every program started from now on carries the marker in its environment. */
export function markTestRun(): void {
  process.env[RUN_MARKER] = String(process.pid);
}

export interface LeftoverProcess {
  readonly pid: number;
  readonly command: string;
}

/** Live processes (zombies left out) that carry this run's marker, other than this one. */
export function leftoverProcesses(): LeftoverProcess[] {
  const marker = `${RUN_MARKER}=${process.pid}`;
  return readdirSync("/proc").flatMap((entry) => {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) return [];
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\u0000").includes(marker)) return [];
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "latin1"))) return [];
      const command = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\u0000").join(" ").trim();
      return [{ pid, command: command.slice(0, 200) }];
    } catch {
      return []; // gone meanwhile, or not ours to read
    }
  });
}

/** SIGKILL to each of `processes` (one that ended meanwhile is skipped). */
export function killProcesses(processes: readonly LeftoverProcess[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // ended meanwhile
    }
  }
}

const firstSeen = new WeakMap<object, string>();

/** Notes which listeners are open after `suite` ran, so a leftover can be traced to the suite that opened it. */
export function noteListeners(suite: string): void {
  for (const { handle } of listeners()) if (!firstSeen.has(handle)) firstSeen.set(handle, suite);
}

/** TCP servers still listening and UDP sockets still bound in this process, each with the suite after which it was first seen open. */
export function openListeners(): string[] {
  return listeners().map(({ handle, what }) => `${what} (open since ${firstSeen.get(handle) ?? "the end of the run"})`);
}

function listeners(): { handle: object; what: string }[] {
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return handles.flatMap((handle): { handle: object; what: string }[] => {
    if (handle instanceof Server && handle.listening) return [{ handle, what: `${handle.constructor.name} listening on ${describe(handle.address())}` }];
    if (handle instanceof Socket) {
      try {
        return [{ handle, what: `UDP socket bound to ${describe(handle.address())}` }];
      } catch {
        return []; // not bound
      }
    }
    return [];
  });
}

function describe(address: unknown): string {
  if (address && typeof address === "object" && "port" in address) {
    const a = address as { address: string; port: number };
    return `${a.address}:${a.port}`;
  }
  return String(address);
}
