/** CPU-time measuring shared by the codec benchmarks: our process's CPU, ffmpeg's -benchmark CPU, medians. */
import { spawnSync } from "node:child_process";

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
