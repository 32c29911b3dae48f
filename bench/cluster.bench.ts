/**
 * What an edge pull costs (issue 15): S ffmpeg publishers send a ~2.5 Mb/s 720p30 H.264 + AAC stream
 * each to an origin node; one ffmpeg player per stream plays it from an edge node (RTMP, `-c copy -f
 * null`), so the edge node pulls every stream from the origin (RTMP, no transcoding). Both nodes are
 * `transpond start` processes in a cluster on a redis-server. Prints the CPU-seconds per minute of
 * media per stream of the edge and of the origin (from /proc), and for the same players on an
 * nginx-rtmp edge that pulls from the same origin (`pull` directive, WCS CDN's nginx counterpart).
 *
 *   node --import tsx bench/cluster.bench.ts [seconds per run, default 20] [streams, default 1,4]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startClusterProcess, type ClusterProcess } from "../spec/support/cluster.ts";
import { freeTcpPort, sleep } from "../spec/support/net.ts";
import { RedisServer } from "../spec/support/redis.ts";
import { encodeTestSource, processTree, statCpuSeconds, stopGracefully } from "./measure.ts";

const seconds = Number(process.argv[2] ?? 20);
const streamCounts = (process.argv[3] ?? "1,4").split(",").map(Number);
const NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

const dir = mkdtempSync(join(tmpdir(), "transpond-cluster-bench-"));
const children = new Set<ChildProcess>();

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: "ignore" });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** utime + stime (s) of a process and its direct children (nginx's worker), from /proc. */
function cpuSeconds(pid: number): number {
  let cpu = 0;
  for (const p of processTree(pid)) {
    try {
      cpu += statCpuSeconds(`/proc/${p}/stat`);
    } catch {
      // gone
    }
  }
  return cpu;
}

/** CPU-seconds per minute of media per stream of each measured process over the steady window. */
async function measure(streams: number, pids: readonly number[]): Promise<number[]> {
  await sleep(4000); // players connected, pulls started, past their first keyframe
  const before = pids.map(cpuSeconds);
  await sleep(seconds * 1000);
  return pids.map((pid, i) => ((cpuSeconds(pid) - before[i]!) / seconds) * 60 / streams);
}

function publishers(origin: ClusterProcess, streams: number, source: string, prefix: string): void {
  for (let i = 0; i < streams; i++) {
    start("ffmpeg", ["-hide_banner", "-v", "error", "-re", "-stream_loop", "-1", "-i", source, "-c", "copy", "-f", "flv", `rtmp://127.0.0.1:${origin.ports.rtmp}/live/${prefix}${i}`]);
  }
}

function players(url: (i: number) => string, streams: number): void {
  for (let i = 0; i < streams; i++) start("ffmpeg", ["-hide_banner", "-v", "error", "-i", url(i), "-c", "copy", "-f", "null", "-"]);
}

async function transpondEdge(origin: ClusterProcess, edge: ClusterProcess, streams: number, source: string): Promise<number[]> {
  const prefix = `t${streams}-`;
  publishers(origin, streams, source, prefix);
  await sleep(2000);
  players((i) => `rtmp://127.0.0.1:${edge.ports.rtmp}/live/${prefix}${i}`, streams);
  const figures = await measure(streams, [edge.child.pid!, origin.child.pid!]);
  await stopGracefully(children);
  return figures;
}

async function nginxEdge(origin: ClusterProcess, streams: number, source: string): Promise<number[]> {
  const port = await freeTcpPort();
  const prefix = join(dir, `nginx-${streams}`);
  mkdirSync(join(prefix, "logs"), { recursive: true });
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, `load_module ${NGINX_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:${port}; chunk_size 4096; application live { live on; record off; pull rtmp://127.0.0.1:${origin.ports.rtmp}/live; } } }
`);
  const nginx = start("nginx", ["-c", conf, "-p", prefix]);
  const name = `n${streams}-`;
  publishers(origin, streams, source, name);
  await sleep(2000);
  players((i) => `rtmp://127.0.0.1:${port}/live/${name}${i}`, streams);
  const figures = await measure(streams, [nginx.pid!, origin.child.pid!]);
  await stopGracefully(children);
  return figures;
}

let redis: RedisServer | undefined;
const nodes: ClusterProcess[] = [];
try {
  const source = encodeTestSource(dir, "2500k");
  redis = await RedisServer.start();
  for (const id of ["origin", "edge"]) nodes.push(await startClusterProcess(redis.url, dir, id, { "cluster.edge_idle_timeout": 1000 }));
  const [origin, edge] = nodes as [ClusterProcess, ClusterProcess];
  const nginxOk = existsSync(NGINX_MODULE) && spawnSync("sh", ["-c", "command -v nginx"]).status === 0;
  console.log(`Edge pulls, ~2.6 Mb/s 720p30 H.264 + AAC per stream, one RTMP player per stream on the edge, ${seconds} s per run`);
  console.log("CPU-seconds per minute of media, per stream (origin: the Transpond node the edge pulls from)");
  console.log("streams | transpond edge | origin (transpond edge) | nginx-rtmp edge (pull) | origin (nginx edge)");
  for (const n of streamCounts) {
    const [ours, originOurs] = await transpondEdge(origin, edge, n, source);
    await sleep(2000); // the edge pulls idle out
    const [theirs, originTheirs] = nginxOk ? await nginxEdge(origin, n, source) : [];
    const cell = (v: number | undefined, w: number) => (v === undefined ? "n/a" : v.toFixed(2)).padStart(w);
    console.log(`${String(n).padStart(7)} | ${cell(ours, 14)} | ${cell(originOurs, 23)} | ${cell(theirs, 22)} | ${cell(originTheirs, 19)}`);
  }
} finally {
  await stopGracefully(children);
  for (const node of nodes) await node.kill();
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
}
