/**
 * Start time and idle memory of the gateway as `transpond start` runs it (bin/transpond.mjs, REST +
 * web pages, WebSocket signaling and the RTMP server on free loopback ports): milliseconds from spawn
 * until the REST port answers, and the RSS after `idle` seconds with nothing connected. Medians of 3.
 * Then, in the same process, RSS growth per relayed RTMP player (ffmpeg publisher + N ffmpeg players).
 *
 *   node --import tsx bench/startup.bench.ts [idle seconds, default 5] [players, default 20]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

const idleS = Number(process.argv[2] ?? 5);
const players = Number(process.argv[3] ?? 20);
const root = join(import.meta.dirname, "..");
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

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGKILL"))));
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/rest-api/stream/find_all", method: "POST" }, (res) => (res.resume(), resolve(true)));
    req.on("error", () => resolve(false));
    req.end();
  });
}

async function startGateway(): Promise<{ child: ChildProcess; ms: number; rtmpPort: number }> {
  const [http, ws, rtmp] = [await freePort(), await freePort(), await freePort()];
  const sets = { "http.port": http, "https.port": 0, "ws.port": ws, "wss.port": 0, "rtmp.port": rtmp, bind_address: "127.0.0.1", "log.level": "warn" };
  const t0 = performance.now();
  const child = start(process.execPath, [join(root, "bin/transpond.mjs"), "start", ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`])]);
  for (let i = 0; i < 600 && !(await answers(http)); i++) await sleep(50);
  return { child, ms: performance.now() - t0, rtmpPort: rtmp };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

try {
  const times: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < 3; run++) {
    const { child, ms } = await startGateway();
    await sleep(idleS * 1000);
    times.push(ms);
    rss.push(rssMb(child.pid!));
    await stop(child);
  }
  console.log(`start until REST answers: ${median(times).toFixed(0)} ms; idle RSS after ${idleS} s: ${median(rss).toFixed(1)} MB (medians of 3)`);

  if (players > 0) {
    const { child, rtmpPort } = await startGateway();
    const url = `rtmp://127.0.0.1:${rtmpPort}/live/bench`;
    start("ffmpeg", ["-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-g", "60", "-c:a", "aac", "-f", "flv", url]);
    await sleep(4000);
    const one = rssMb(child.pid!);
    for (let i = 0; i < players; i++) start("ffmpeg", ["-hide_banner", "-v", "error", "-i", url, "-c", "copy", "-f", "null", "-"]);
    await sleep(8000);
    const many = rssMb(child.pid!);
    console.log(`RSS with a 1 Mb/s publisher: ${one.toFixed(1)} MB; with ${players} players: ${many.toFixed(1)} MB (${((many - one) / players).toFixed(2)} MB per player)`);
  }
} finally {
  await Promise.all([...children].map(stop));
}
