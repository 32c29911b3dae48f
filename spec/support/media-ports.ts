/**
 * Media port ranges (`media_port_from..media_port_to`) for tests. Several test runs share the machine,
 * so fixed or random ranges collide: two runs' WebRTC or SIP sessions bind the same ports. Each test
 * process instead claims a region of its own below the kernel's ephemeral ports (where port-0 binds
 * of every other test land) with a lock file naming its pid, and hands out slices of it in turn.
 * The same region's numbers serve as TCP listener ports (net.ts `freeTcpPort`; TCP ports are a space
 * of their own).
 */
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIRST = 10000;
const REGION = 1000;
// below 31000: the product's default media range, and the kernel's ephemeral range starts at 32768
const REGIONS = (31000 - FIRST) / REGION;
const LOCK_DIR = join(tmpdir(), "transpond-media-ports");

let region: number | undefined;
let cursor = 0;

/** `size` consecutive ports (starting even) that no other test run on this machine uses. */
export function mediaPortRange(size = 100): { media_port_from: number; media_port_to: number } {
  if (size > REGION || size < 2) throw new Error(`mediaPortRange: size ${size} is not in 2..${REGION}`);
  const { first } = portRegion();
  if (cursor + size > REGION) cursor = 0;
  const from = first + cursor;
  cursor += size + (size % 2);
  return { media_port_from: from, media_port_to: from + size - 1 };
}

/** This process's region: `size` ports from `first`, below the kernel's ephemeral range. */
export function portRegion(): { first: number; size: number } {
  region ??= claimRegion();
  return { first: region, size: REGION };
}

function claimRegion(): number {
  mkdirSync(LOCK_DIR, { recursive: true });
  const offset = process.pid % REGIONS;
  for (let i = 0; i < REGIONS; i++) {
    const start = FIRST + ((offset + i) % REGIONS) * REGION;
    const lock = join(LOCK_DIR, String(start));
    if (!tryLock(lock)) continue;
    process.once("exit", () => rmSync(lock, { force: true }));
    return start;
  }
  throw new Error(`every media port region in ${FIRST}..${FIRST + REGIONS * REGION - 1} is held by a running test process (${LOCK_DIR})`);
}

/** Creates `lock` holding our pid; takes over a lock whose process has ended. */
function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    try {
      const holder = readFileSync(lock, "utf8");
      // an empty file is a lock being written right now
      if (holder === "" || alive(Number(holder))) return false;
      unlinkSync(lock);
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return true;
    } catch {
      return false; // another process released or took it over meanwhile
    }
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
