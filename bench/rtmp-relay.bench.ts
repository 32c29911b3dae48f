/**
 * RTMP relay benchmark: one ffmpeg publisher sends a ~5 Mb/s H.264 + AAC stream (720p30, copied
 * from a pre-encoded file at real-time pace) into the server, and N ffmpeg players (`-c copy -f
 * null`) play it. Prints the server's CPU-seconds per minute of media and its memory, for the
 * embedded Transpond server (in this process: process.cpuUsage, RSS) and for nginx-rtmp (master +
 * worker from /proc) doing the same in the same run, and the ratio.
 *
 * With `http-flv` our players are HTTP-FLV readers instead (`GET /live/bench.flv`, plain Node HTTP
 * clients in one child process that count the bytes and discard them), still beside nginx-rtmp's
 * RTMP play by N ffmpeg players; it prints the bytes each reader received in the measured window,
 * so a stalled reader shows.
 *
 *   node --import tsx bench/rtmp-relay.bench.ts [seconds per run, default 20] [players, default 1,10,50] [rtmp|http-flv, default rtmp]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { makeConfig } from "../src/config.ts";
import { StreamHub } from "../src/core/stream/hub.ts";
import { startRtmpServer } from "../src/core/ingest/rtmp-ingest.ts";
import { configureLogging } from "../src/log.ts";
import { serveHttpFlv } from "../src/rest/http-flv.ts";
import { encodeTestSource, processTree, statCpuSeconds, stopGracefully } from "./measure.ts";

const seconds = Number(process.argv[2] ?? 20);
const playerCounts = (process.argv[3] ?? "1,10,50").split(",").map(Number);
const mode = process.argv[4] ?? "rtmp";
if (mode !== "rtmp" && mode !== "http-flv") throw new Error(`unknown mode ${mode}: use rtmp or http-flv`);
const NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
configureLogging({ level: "warn" });

const dir = mkdtempSync(join(tmpdir(), "transpond-rtmp-bench-"));
const children = new Set<ChildProcess>();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: "ignore" });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** utime + stime (s) and RSS (MB) of a process and its direct children, from /proc. */
function procUsage(pid: number): { cpu: number; rssMb: number } {
  let cpu = 0;
  let rss = 0;
  for (const p of processTree(pid)) {
    try {
      cpu += statCpuSeconds(`/proc/${p}/stat`);
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024;
    } catch {
      // gone
    }
  }
  return { cpu, rssMb: rss };
}

/** CPU-seconds of each thread of this process, by thread name (the event loop's thread is "node"). */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const path = `/proc/self/task/${tid}/stat`;
      const stat = readFileSync(path, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const key = Number(tid) === process.pid ? "event loop" : name;
      byName.set(key, (byName.get(key) ?? 0) + statCpuSeconds(path));
    } catch {
      // the thread ended
    }
  }
  return byName;
}

interface Run {
  cpuPerMediaMinute: number;
  rssMb: number;
  /** per thread, CPU-s per minute of media (Transpond only) */
  threads?: string;
  /** bytes each player received in the measured window, when the players count them */
  playerBytes?: number[];
}

/** Players started by `relay`; `bytes` gives each one's bytes received so far, when they count them. */
interface Players {
  bytes?: () => Promise<number[]>;
}

/** N ffmpeg RTMP players of `url`, decoding nothing. */
function rtmpPlayers(url: string, n: number): Players {
  for (let i = 0; i < n; i++) start("ffmpeg", ["-hide_banner", "-v", "error", "-i", url, "-c", "copy", "-f", "null", "-"]);
  return {};
}

/** Reads `url` N times over HTTP, counting the bytes; answers each line on stdin with the counts as JSON. */
const HTTP_READERS = `
const http = require("node:http");
const [url, n] = process.argv.slice(1);
const counts = new Array(Number(n)).fill(0);
for (let i = 0; i < counts.length; i++) {
  http.get(url, (res) => {
    if (res.statusCode !== 200) console.error("reader " + i + ": HTTP " + res.statusCode);
    res.on("data", (chunk) => (counts[i] += chunk.length));
  }).on("error", (e) => console.error("reader " + i + ": " + e.message));
}
process.stdin.on("data", () => process.stdout.write(JSON.stringify(counts) + "\\n"));
`;

/** N HTTP-FLV readers of `url` in one child process (so their CPU is not counted as ours). */
function httpFlvPlayers(url: string, n: number): Players {
  const child = spawn(process.execPath, ["-e", HTTP_READERS, url, String(n)], { stdio: ["pipe", "pipe", "inherit"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    bytes: async () => {
      child.stdin!.write("\n");
      const line = await lines.next();
      if (line.done) throw new Error("the HTTP-FLV readers' process ended");
      return JSON.parse(line.value) as number[];
    },
  };
}

/** Publisher (to `publishPort`) + N players (`play`) of the stream; `measure` brackets the steady window. */
async function relay(publishPort: number, players: number, source: string, measure: () => () => { cpu: number; rssMb: number }, play: (n: number) => Players): Promise<Run> {
  start("ffmpeg", ["-hide_banner", "-v", "error", "-re", "-stream_loop", "-1", "-i", source, "-c", "copy", "-f", "flv", `rtmp://127.0.0.1:${publishPort}/live/bench`]);
  await sleep(1500);
  const group = play(players);
  await sleep(3000); // players connected and past their first keyframe
  const bytesBefore = await group.bytes?.();
  const stop = measure();
  await sleep(seconds * 1000);
  const { cpu, rssMb } = stop();
  const bytesAfter = await group.bytes?.();
  await stopGracefully(children);
  const playerBytes = bytesBefore && bytesAfter?.map((b, i) => b - bytesBefore[i]!);
  return { cpuPerMediaMinute: (cpu / seconds) * 60, rssMb, playerBytes };
}

async function runTranspond(players: number, source: string): Promise<Run> {
  const port = await freePort();
  const hub = new StreamHub();
  const server = await startRtmpServer({ config: makeConfig({ "rtmp.port": port, bind_address: "127.0.0.1" }), hub });
  const http = createHttpServer((req, res) => serveHttpFlv(hub, 3000, req, res, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
  const httpPort = await freePort();
  await new Promise<void>((resolve) => http.listen(httpPort, "127.0.0.1", resolve));
  const play = mode === "http-flv" ? (n: number) => httpFlvPlayers(`http://127.0.0.1:${httpPort}/live/bench.flv`, n) : (n: number) => rtmpPlayers(`rtmp://127.0.0.1:${port}/live/bench`, n);
  let threads = "";
  try {
    const run = await relay(port, players, source, () => {
      const before = process.cpuUsage();
      const threadsBefore = threadCpu();
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 500);
      return () => {
        clearInterval(timer);
        const d = process.cpuUsage(before);
        const perThread = [...threadCpu()].map(([name, cpu]) => [name, ((cpu - (threadsBefore.get(name) ?? 0)) / seconds) * 60] as const).filter(([, cpu]) => cpu >= 0.01);
        threads = perThread.sort((a, b) => b[1] - a[1]).map(([name, cpu]) => `${name} ${cpu.toFixed(2)}`).join(", ");
        return { cpu: (d.user + d.system) / 1e6, rssMb: peak / 2 ** 20 };
      };
    }, play);
    return { ...run, threads };
  } finally {
    http.closeAllConnections();
    http.close();
    await server.close();
  }
}

/** A TCP pass-through to `target` in this process: bytes in and out once, nothing parsed. */
async function passThrough(target: number): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port };
}

/**
 * nginx-rtmp relaying; with `floor`, the publisher sends through a TCP pass-through in this process
 * and the run measures that instead: what Node spends only to take the stream's bytes in and send
 * them out once, the least any Node relay to one player costs.
 */
async function runNginx(players: number, source: string, floor = false): Promise<Run> {
  const port = await freePort();
  const prefix = join(dir, `nginx-${players}`);
  spawnSync("mkdir", ["-p", join(prefix, "logs")]);
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, `load_module ${NGINX_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:${port}; chunk_size 4096; application live { live on; record off; } } }
`);
  const nginx = start("nginx", ["-c", conf, "-p", prefix]);
  await sleep(500);
  const play = (n: number): Players => rtmpPlayers(`rtmp://127.0.0.1:${port}/live/bench`, n);
  if (floor) {
    const proxy = await passThrough(port);
    try {
      return await relay(proxy.port, players, source, () => {
        const before = process.cpuUsage();
        return () => {
          const d = process.cpuUsage(before);
          return { cpu: (d.user + d.system) / 1e6, rssMb: process.memoryUsage().rss / 2 ** 20 };
        };
      }, play);
    } finally {
      proxy.server.close();
    }
  }
  return relay(port, players, source, () => {
    const before = procUsage(nginx.pid!);
    let peak = before.rssMb;
    const timer = setInterval(() => (peak = Math.max(peak, procUsage(nginx.pid!).rssMb)), 500);
    return () => {
      clearInterval(timer);
      const after = procUsage(nginx.pid!);
      return { cpu: after.cpu - before.cpu, rssMb: Math.max(peak, after.rssMb) };
    };
  }, play);
}

/** " | min-max" kB/s over the readers, from the bytes each received in the measured window. */
function readerRates(bytes: number[] | undefined): string {
  if (!bytes) return "";
  const rate = (b: number): string => (b / seconds / 1000).toFixed(0);
  return ` | ${rate(Math.min(...bytes))}-${rate(Math.max(...bytes))}`;
}

try {
  const source = encodeTestSource(dir, "5M");
  const nginxOk = existsSync(NGINX_MODULE) && spawnSync("sh", ["-c", "command -v nginx"]).status === 0;
  const ourPlay = mode === "http-flv" ? "Transpond HTTP-FLV readers, nginx-rtmp RTMP play" : "RTMP play from both";
  console.log(`RTMP relay, ~5 Mb/s 720p30 H.264 + AAC 128k, ${seconds} s per run, ${ourPlay} (CPU-seconds per minute of media; peak RSS)`);
  console.log(`players | transpond cpu-s/min | transpond RSS MB | nginx-rtmp cpu-s/min | nginx RSS MB | ratio${mode === "http-flv" ? " | kB/s per reader (min-max)" : ""}`);
  for (const n of playerCounts) {
    const ours = await runTranspond(n, source);
    const theirs = nginxOk ? await runNginx(n, source) : undefined;
    const ratio = theirs ? (ours.cpuPerMediaMinute / Math.max(theirs.cpuPerMediaMinute, 0.01)).toFixed(1) : "n/a";
    console.log(`        Transpond's threads (CPU-s/min): ${ours.threads}`);
    if (n === 1 && nginxOk && mode === "rtmp") console.log(`        Node floor, the publisher's bytes through a TCP pass-through in this process (in once, out once): ${(await runNginx(1, source, true)).cpuPerMediaMinute.toFixed(2)} CPU-s/min`);
    console.log(
      `${String(n).padStart(7)} | ${ours.cpuPerMediaMinute.toFixed(2).padStart(19)} | ${ours.rssMb.toFixed(0).padStart(16)} | ${(theirs?.cpuPerMediaMinute.toFixed(2) ?? "n/a").padStart(20)} | ${(theirs?.rssMb.toFixed(0) ?? "n/a").padStart(12)} | ${ratio}${readerRates(ours.playerBytes)}`,
    );
  }
} finally {
  await stopGracefully(children);
  rmSync(dir, { recursive: true, force: true });
}
