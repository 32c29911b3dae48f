/**
 * Relay cost on the sending server: N werift "browsers" in a child process publish the 480x270
 * 30 fps H.264 fixture (~0.8 Mb/s) and 50 Opus packets/s each to server A (this process) through the
 * Web SDK's message flow; then A relays every stream with /pull/push to server B (a `transpond
 * start` child, not measured). A's CPU (ms per second of wall time) is measured twice in the same
 * run: WebRTC ingest alone, then ingest plus the N relays (H.264 and Opus passed through, no
 * transcoding). The relay's own cost per stream is the difference divided by N.
 *
 *   node --import tsx bench/relay-webrtc.bench.ts [seconds] [N,N,...]
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startApp, type App } from "../src/app.ts";
import { makeConfig } from "../src/config.ts";
import { configureLogging } from "../src/log.ts";
import { fixtureVideo, signaledPublisher, writeOpusForFrame, writeVideo } from "../spec/agent/support/werift-browser.ts";
import { freeTcpPort, waitFor } from "../spec/support/net.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** Child: N publishers, real-time pacing, until the parent says stop. */
async function child(url: string, n: number): Promise<void> {
  const { config, frames } = fixtureVideo(300);
  const browsers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { browser: b, ws } = await signaledPublisher(url, `bench${i}`);
      return { b, ws, seq: { n: 1 } };
    }),
  );
  let stopping = false;
  process.on("message", () => (stopping = true));
  process.send!({ type: "connected" });
  const start = performance.now();
  const period = frames[frames.length - 1]!.dts - frames[0]!.dts + 33;
  for (let i = 0; !stopping; i++) {
    const f = frames[i % frames.length]!;
    const due = start + Math.floor(i / frames.length) * period + f.dts - frames[0]!.dts;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const { b, seq } of browsers) {
      writeVideo(b.video, f, config, seq);
      writeOpusForFrame(b.audio, i);
    }
  }
  for (const { b, ws } of browsers) {
    ws.close();
    await b.close();
  }
  process.exit(0);
}

function mediaPorts(): { media_port_from: number; media_port_to: number } {
  const from = 20000 + Math.floor(Math.random() * 40000);
  return { media_port_from: from, media_port_to: from + 400 };
}

async function startB(dir: string): Promise<{ child: ChildProcess; ws: number; http: number }> {
  const ws = await freeTcpPort();
  const http = await freeTcpPort();
  const { media_port_from, media_port_to } = mediaPorts();
  const sets = { bind_address: "127.0.0.1", "http.port": http, "https.port": 0, "ws.port": ws, "wss.port": 0, "rtmp.port": 0, ice_interface_addresses: "127.0.0.1", media_port_from, media_port_to, data_dir: join(dir, "b"), "log.level": "warn" };
  const child = spawn(process.execPath, ["bin/transpond.mjs", "start", ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`])], { cwd: ROOT, stdio: "ignore" });
  await waitFor("B up", async () => ((await fetch(`http://127.0.0.1:${http}/rest-api/pull/find_all`).catch(() => undefined))?.status ? true : undefined), 90000, 200);
  return { child, ws, http };
}

/** ms of CPU per second of wall time of this process over `seconds`. */
async function cpuMsPerSecond(seconds: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / ((performance.now() - t0) / 1000);
}

async function run(n: number, seconds: number, dir: string): Promise<{ ingest: number; withRelays: number; relayedBytes: number }> {
  const a: App = await startApp(makeConfig({ bind_address: "127.0.0.1", "http.port": 0, "https.port": 0, "ws.port": await freeTcpPort(), "wss.port": 0, "rtmp.port": 0, ice_interface_addresses: ["127.0.0.1"], ...mediaPorts(), data_dir: join(dir, "a"), "keep_alive.server_interval": 0 }));
  const b = await startB(dir);
  const proc = fork(import.meta.filename, ["child", `ws://127.0.0.1:${a.ports.ws}`, String(n)], { execArgv: ["--import", "tsx"] });
  try {
    await new Promise<void>((r) => proc.once("message", () => r()));
    await waitFor("every stream has video", () => (a.hub.all().filter((s) => s.frames.video > 30).length === n ? true : undefined), 60000, 200);
    const ingest = await cpuMsPerSecond(seconds);
    const relays = Array.from({ length: n }, (_, i) => a.relays.push({ uri: `ws://127.0.0.1:${b.ws}`, localStreamName: `bench${i}`, remoteStreamName: `relayed${i}` }));
    await waitFor("every relay ACTIVE", () => (relays.every((r) => r.state === "ACTIVE") ? true : undefined), 60000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const before = relays.reduce((s, r) => s + r.bytes, 0);
    const withRelays = await cpuMsPerSecond(seconds);
    const moved = relays.reduce((s, r) => s + r.bytes, 0) - before;
    for (const r of relays) r.stop();
    return { ingest, withRelays, relayedBytes: moved };
  } finally {
    proc.send("stop");
    await new Promise((r) => proc.once("exit", r));
    await a.close();
    b.child.kill("SIGTERM");
    await new Promise((r) => b.child.once("exit", r));
  }
}

if (process.argv[2] === "child") {
  configureLogging({ level: "error" });
  await child(process.argv[3]!, Number(process.argv[4]));
} else {
  configureLogging({ level: "error" });
  const seconds = Number(process.argv[2] ?? 10);
  const counts = (process.argv[3] ?? "1,4,8").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "transpond-relay-bench-"));
  console.log(`A's CPU, ${seconds} s per phase: N WebRTC publishers of 480x270 30 fps H.264 (~0.8 Mb/s) + Opus, then also /pull/push of each to B`);
  console.log("N   ingest ms/s  ingest+relay ms/s  relay ms/s per stream  ingest ms/s per stream  relayed kB/s per stream");
  try {
    for (const n of counts) {
      const r = await run(n, seconds, dir);
      const relay = (r.withRelays - r.ingest) / n;
      console.log(`${String(n).padEnd(3)} ${r.ingest.toFixed(0).padStart(11)}  ${r.withRelays.toFixed(0).padStart(17)}  ${relay.toFixed(1).padStart(21)}  ${(r.ingest / n).toFixed(1).padStart(22)}  ${(r.relayedBytes / 1000 / seconds / n).toFixed(0).padStart(23)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
