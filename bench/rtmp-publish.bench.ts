/**
 * RTMP publishing benchmark: N concurrent `publishFlvFile` publishers (this process) push the same
 * FLV file (the bbb 480x270 H.264 + AAC fixture, cut) to nginx-rtmp at real-time pace, beside N
 * `ffmpeg -re -i file -c copy -f flv rtmp://...` publishers of the same file, in the same run.
 * Prints CPU (user+system seconds per minute of media, per publisher) and memory for both, the
 * ratio, and CPU per Mb/s of media.
 *
 *   node --import tsx bench/rtmp-publish.bench.ts [seconds of media, default 12] [N list, default 1,4,16]
 *
 * Transpond's CPU is process.cpuUsage() of this process over the phase (idle event loop included);
 * its memory is the RSS growth and the peak heap while publishing. ffmpeg's figures come from
 * /usr/bin/time (%U %S %M: user, system, peak RSS of each process).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { configureLogging } from "../src/log.ts";
import { publishFlvFile } from "../src/rtmp/client/file-publisher.ts";
import { RtmpPublisher } from "../src/rtmp/client/publisher.ts";
import { parseRtmpTarget } from "../src/rtmp/client/url.ts";
import { NginxRtmp } from "../spec/support/nginx.ts";

const seconds = Number(process.argv[2] ?? 12);
const counts = (process.argv[3] ?? "1,4,16").split(",").map(Number);
configureLogging({ level: "warn" });

const FIXTURE = resolve(import.meta.dirname, "../fixtures/flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv");
const dir = mkdtempSync(join(tmpdir(), "transpond-publish-bench-"));

interface Run {
  cpuSeconds: number;
  /** RSS growth (Transpond) or sum of peak RSS (ffmpeg), KiB */
  memoryKiB: number;
  peakHeapKiB?: number;
  wallSeconds: number;
}

function exec(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stderr }));
  });
}

async function ours(nginx: NginxRtmp, source: string, n: number): Promise<Run> {
  const publishers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const p = new RtmpPublisher(parseRtmpTarget(nginx.url("live"), { streamName: `ours${n}_${i}` }), { flashVer: "FMLE/3.0 (compatible; FMSc/1.0)" });
      await p.start();
      return p;
    }),
  );
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(publishers.map((p) => publishFlvFile(p, source)));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const rss1 = process.memoryUsage().rss;
  await Promise.all(publishers.map((p) => p.stop()));
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, memoryKiB: (rss1 - rss0) / 1024, peakHeapKiB: peakHeap / 1024, wallSeconds: wall };
}

async function ffmpeg(nginx: NginxRtmp, source: string, n: number): Promise<Run> {
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      exec("/usr/bin/time", ["-f", "TIME %U %S %M", "ffmpeg", "-hide_banner", "-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", `${nginx.url("live")}/ff${n}_${i}`]),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  let cpu = 0;
  let mem = 0;
  for (const r of results) {
    const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
    if (!m || r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    cpu += Number(m[1]) + Number(m[2]);
    mem += Number(m[3]);
  }
  return { cpuSeconds: cpu, memoryKiB: mem, wallSeconds: wall };
}

async function main(): Promise<void> {
  const source = join(dir, "source.flv");
  const cut = await exec("ffmpeg", ["-v", "error", "-y", "-i", FIXTURE, "-c", "copy", "-t", String(seconds), source]);
  if (cut.code !== 0) throw new Error(cut.stderr);
  const mbps = (statSync(source).size * 8) / seconds / 1e6;
  const nginx = await NginxRtmp.start({ record: false });
  console.log(`source: ${seconds} s of 480x270 H.264 + AAC, ${mbps.toFixed(2)} Mb/s; nginx-rtmp on ${nginx.port}; load ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  console.log("");
  console.log("| N | Transpond CPU-s/min/publisher | ffmpeg CPU-s/min/publisher | ratio | Transpond CPU %/Mb/s | Transpond RSS growth / peak heap | ffmpeg peak RSS each |");
  console.log("|---|---|---|---|---|---|---|");
  try {
    // warm-up (JIT, TLS-free socket paths) so that N=1 is not charged with it
    const warm = new RtmpPublisher(parseRtmpTarget(nginx.url("live"), { streamName: "warmup" }), { flashVer: "FMLE/3.0 (compatible; FMSc/1.0)" });
    await warm.start();
    await publishFlvFile(warm, source, { signal: AbortSignal.timeout(3000) });
    await warm.stop();
    for (const n of counts) {
      const a = await ours(nginx, source, n);
      const b = await ffmpeg(nginx, source, n);
      const perMin = (r: Run) => (r.cpuSeconds / n / seconds) * 60;
      const cpuPercentPerMbps = (a.cpuSeconds / a.wallSeconds / (n * mbps)) * 100;
      console.log(
        `| ${n} | ${perMin(a).toFixed(2)} | ${perMin(b).toFixed(2)} | ${(perMin(a) / perMin(b)).toFixed(2)}x | ${cpuPercentPerMbps.toFixed(2)} % | ${(a.memoryKiB / 1024).toFixed(1)} MiB / ${(a.peakHeapKiB! / 1024).toFixed(1)} MiB | ${(b.memoryKiB / n / 1024).toFixed(1)} MiB |`,
      );
    }
  } finally {
    await nginx.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
