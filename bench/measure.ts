/**
 * CPU-time measuring shared by the benchmarks: our process's CPU, ffmpeg's -benchmark CPU, medians,
 * /proc readings of other processes and threads, the FLV test source the relay benches play, and
 * stopping the programs they start.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** CPU milliseconds this process has used (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU milliseconds ffmpeg reports with -benchmark for `args`; undefined when it reports none. */
export function ffmpegCpu(args: string[]): number | undefined {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-benchmark", ...args], { maxBuffer: 64 * 1024 * 1024 });
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr?.toString() ?? "");
  return m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined;
}

/** The median of `runs` measurements. */
export async function median(runs: number, measure: () => number | undefined | Promise<number | undefined>): Promise<number | undefined> {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const v = await measure();
    if (v === undefined) return undefined;
    all.push(v);
  }
  all.sort((a, b) => a - b);
  return all[Math.floor(runs / 2)];
}

/** The fields after the command name of a /proc stat file (the name may hold spaces and parentheses). */
function statFields(path: string): string[] {
  const stat = readFileSync(path, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime (s) of a process (`/proc/<pid>/stat`) or thread (`/proc/self/task/<tid>/stat`). */
export function statCpuSeconds(path: string): number {
  const f = statFields(path);
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** A process and its direct children (nginx's master and its worker), from /proc. */
export function processTree(pid: number): number[] {
  const children = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      return Number(statFields(`/proc/${p}/stat`)[1]) === pid;
    } catch {
      return false;
    }
  });
  return [pid, ...children];
}

/** A 30 s FLV test source in `dir`: 720p30 H.264 at `videoBitrate` (keyframe every 2 s, no B-frames) + 440 Hz AAC. */
export function encodeTestSource(dir: string, videoBitrate: string): string {
  const path = join(dir, "source.flv");
  const r = spawnSync("ffmpeg", [
    "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", "30", "-c:v", "libx264", "-preset", "veryfast", "-b:v", videoBitrate, "-maxrate", videoBitrate, "-bufsize", videoBitrate, "-g", "60", "-bf", "0", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "128k", "-f", "flv", path,
  ]);
  if (r.status !== 0) throw new Error(`source encode failed: ${r.stderr}`);
  return path;
}

/** SIGTERM to each child, SIGKILL after 2 s: SIGKILL alone to nginx's master leaves its worker running. */
export function stopGracefully(children: Iterable<ChildProcess>): Promise<void> {
  const waits = [...children].map((c) => new Promise<void>((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r();
    const timer = setTimeout(() => c.kill("SIGKILL"), 2000);
    c.once("exit", () => (clearTimeout(timer), r()));
    c.kill("SIGTERM");
  }));
  return Promise.all(waits).then(() => undefined);
}
