/**
 * WebRTC -> RTMP republish cost: N werift "browsers" in a child process publish the 480x270 30 fps
 * H.264 fixture (~0.8 Mb/s) and 50 Opus packets/s each through Transpond's signaling server;
 * `rtmp_push_auto_start` republishes every stream to nginx-rtmp (Opus -> AAC-LC 48 kHz stereo
 * 128 kb/s, H.264 passed through) and nginx records each. Prints, for each N, the Transpond process's
 * CPU per stream and the video frames in the nginx recordings against those sent (loss), and beside
 * it N ffmpeg processes relaying the same fixture to the same nginx (`-re -c:v copy -c:a aac`), their
 * CPU per stream and frames recorded against frames read, as a ratio.
 *
 * When frames are lost, a second line says where packets went: RTP packets the jitter buffers gave up
 * (and retransmissions that came after that), the kernel's UDP receive/send buffer overflows
 * (/proc/net/snmp, the whole machine), and the NACKs and PLIs the load generator's senders got and the
 * packets they retransmitted.
 *
 * The third argument is `media.workers` (default -1: cores - 1; 0: codecs in the event loop); CPU
 * per stream counts every thread of the Transpond process, and the event loop's p99 delay while
 * measuring is printed beside it.
 *
 *   node --import tsx bench/webrtc-rtmp.bench.ts [seconds] [N,N,...] [media.workers]
 */
import { execFileSync, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { join } from "node:path";
import { startApp } from "../src/app.ts";
import { jitterBufferTotals } from "../src/rtp/jitter-buffer.ts";
import { makeConfig } from "../src/config.ts";
import type { Stream } from "../src/core/stream/stream.ts";
import { configureLogging } from "../src/log.ts";
import { fixtureVideo, signaledPublisher, writeOpusForFrame, writeVideo } from "../spec/agent/support/werift-browser.ts";
import { fixture } from "../spec/support/fixtures.ts";
import { freeTcpPort, sleep, waitFor } from "../spec/support/net.ts";
import { NginxRtmp } from "../spec/support/nginx.ts";

const FIXTURE = fixture("flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv");
/** clock ticks per second of /proc/<pid>/stat times */
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Child: N publishers over the WebSocket API; waits for "go", paces 30 fps in real time, reports what it sent. */
async function child(url: string, n: number, seconds: number): Promise<void> {
  const { config, frames } = fixtureVideo(seconds * 30);
  const browsers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { browser: b, ws } = await signaledPublisher(url, `bench${i}`);
      return { b, ws, seq: { n: 1 } };
    }),
  );
  const go = new Promise((r) => process.once("message", r));
  process.send!({ type: "connected" });
  await go;
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const due = start + frames[i]!.dts - frames[0]!.dts;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    for (const { b, seq } of browsers) {
      writeVideo(b.video, frames[i]!, config, seq);
      writeOpusForFrame(b.audio, i);
    }
  }
  const feedback = { nacks: 0, retransmitted: 0, plis: 0 };
  for (const { b } of browsers) {
    // werift counts these but keeps them private in its types
    const sender = b.pc.getTransceivers()[0]!.sender as unknown as { nackCount: number; retransmittedPacketsSent: number };
    feedback.nacks += sender.nackCount;
    feedback.retransmitted += sender.retransmittedPacketsSent;
    feedback.plis += b.plis;
  }
  process.send!({ type: "done", sent: frames.length, feedback });
  await sleep(500);
  for (const { b, ws } of browsers) {
    ws.close();
    await b.close();
  }
  process.exit(0);
}

function videoPackets(file: string): number {
  const out = execFileSync("ffprobe", ["-v", "error", "-select_streams", "v", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file], { encoding: "utf8" });
  return Number(out.trim()) || 0;
}

interface Result {
  cpuPerStream: number;
  sent: number;
  recorded: number;
  /** Transpond only: video frames the hub got from WebRTC, and frames the transponders dropped */
  ingested?: number;
  dropped?: number;
  loopP99Ms?: number;
  /** CPU of the event loop's thread alone, per stream */
  loopCpuPerStream?: number;
  /** Transpond only: where packets went during the measured window */
  losses?: LossCauses;
}

interface SenderFeedback {
  readonly nacks: number;
  readonly retransmitted: number;
  readonly plis: number;
}

interface LossCauses extends SenderFeedback {
  readonly givenUp: number;
  readonly late: number;
  readonly rcvbufErrors: number;
  readonly sndbufErrors: number;
}

/**
 * Every 100 ms (BENCH_VERBOSE): the kernel's UDP receive overflows, the RTP packets the jitter buffers
 * gave up, and how late this sampler ran (the event loop's stall), for the windows where any moved.
 */
function lossTimeline(t0: number): { stop(): string } {
  const rows: string[] = [];
  let last = { at: performance.now(), udp: udpCounters().rcvbufErrors, lost: jitterBufferTotals.lost };
  const timer = setInterval(() => {
    const now = { at: performance.now(), udp: udpCounters().rcvbufErrors, lost: jitterBufferTotals.lost };
    const late = now.at - last.at - 100;
    if (now.udp > last.udp || now.lost > last.lost || late > 50) rows.push(`${((now.at - t0) / 1000).toFixed(1)} s: ${now.udp - last.udp} overflowed, ${now.lost - last.lost} given up, sampler ${late.toFixed(0)} ms late`);
    last = now;
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return rows.map((r) => `    ${r}`).join("\n");
    },
  };
}

/** The kernel's UDP counters (whole machine) from /proc/net/snmp. */
function udpCounters(): { rcvbufErrors: number; sndbufErrors: number } {
  const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/).map(Number);
  const value = (name: string) => values[names.indexOf(name)] ?? 0;
  return { rcvbufErrors: value("RcvbufErrors"), sndbufErrors: value("SndbufErrors") };
}

async function transpond(nginx: NginxRtmp, n: number, seconds: number, workers: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "transpond-bench-"));
  const app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": 0,
      "https.port": 0,
      "ws.port": await freeTcpPort(),
      "wss.port": 0,
      "rtmp.port": 0,
      ice_interface_addresses: ["127.0.0.1"],
      media_port_from: 44000,
      media_port_to: 44999,
      "keep_alive.server_interval": 0,
      data_dir: dir,
      media_dir: dir,
      record_dir: dir,
      rtmp_push_auto_start: true,
      rtmp_push_auto_start_url: nginx.url("live"),
      "media.workers": workers,
    }),
  );
  const streams: Stream[] = [];
  app.hub.listen({ published: (stream) => void streams.push(stream) });
  const proc = fork(import.meta.filename, ["child", `ws://127.0.0.1:${app.ports.ws}`, String(n), String(seconds)], { execArgv: ["--import", "tsx"] });
  const exited = new Promise((r) => proc.once("exit", r));
  try {
    await new Promise<void>((resolve) => proc.on("message", (m: { type: string }) => m.type === "connected" && resolve()));
    await waitFor("every transponder ACTIVE", () => (app.transponders.all().filter((r) => r.transponder.status === "ACTIVE").length === n ? true : undefined), 20000);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const loop0 = processCpuMs(process.pid, "task");
    const udp0 = udpCounters();
    const jitter0 = { ...jitterBufferTotals };
    const t0 = performance.now();
    const timeline = process.env.BENCH_VERBOSE ? lossTimeline(t0) : undefined;
    proc.send("go");
    const { sent, feedback } = await new Promise<{ sent: number; feedback: SenderFeedback }>((resolve) =>
      proc.on("message", (m: { type: string; sent?: number; feedback?: SenderFeedback }) => m.type === "done" && resolve({ sent: m.sent!, feedback: m.feedback! })),
    );
    await sleep(500);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const loopCpuMs = processCpuMs(process.pid, "task") - loop0;
    if (timeline) console.log(timeline.stop());
    const udp = udpCounters();
    const losses: LossCauses = {
      ...feedback,
      givenUp: jitterBufferTotals.lost - jitter0.lost,
      late: jitterBufferTotals.late - jitter0.late,
      rcvbufErrors: udp.rcvbufErrors - udp0.rcvbufErrors,
      sndbufErrors: udp.sndbufErrors - udp0.sndbufErrors,
    };
    loop.disable();
    await exited;
    const ingested = streams.reduce((sum, stream) => sum + stream.frames.video, 0);
    const dropped = app.transponders.all().reduce((sum, r) => sum + r.transponder.droppedFrames, 0);
    app.transponders.close();
    let recorded = 0;
    const perStream: string[] = [];
    for (let i = 0; i < n; i++) {
      const count = videoPackets(await nginx.recordingClosed(`rtmp_bench${i}`));
      recorded += count;
      perStream.push(`${count}/${streams.find((s) => s.name === `bench${i}`)?.frames.video ?? "?"}`);
    }
    if (process.env.BENCH_VERBOSE) console.log(`  per stream recorded/hub got: ${perStream.join(" ")}`);
    return { cpuPerStream: ((cpu.user + cpu.system) / 1000 / wall) * 100 / n, sent: sent * n, recorded, ingested, dropped, loopP99Ms: loop.percentile(99) / 1e6, loopCpuPerStream: ((loopCpuMs / wall) * 100) / n, losses };
  } finally {
    proc.kill();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** utime + stime of a process (or of this process's thread `pid`), in ms, from /proc (0 once it is gone). */
function processCpuMs(pid: number, scope: "process" | "task" = "process"): number {
  try {
    const fields = readFileSync(scope === "task" ? `/proc/self/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

async function ffmpegRelay(nginx: NginxRtmp, n: number, seconds: number): Promise<Result> {
  const t0 = performance.now();
  const runs = Array.from({ length: n }, (_, i) => {
    const proc = spawn("ffmpeg", ["-v", "error", "-re", "-t", String(seconds), "-i", FIXTURE, "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-f", "flv", `${nginx.url("live")}/ref${i}`], { stdio: "ignore" });
    let cpuMs = 0;
    const timer = setInterval(() => (cpuMs = Math.max(cpuMs, processCpuMs(proc.pid!))), 200);
    const done = new Promise<number>((resolve) =>
      proc.once("exit", () => {
        clearInterval(timer);
        resolve(cpuMs);
      }),
    );
    return done;
  });
  const cpuMs = (await Promise.all(runs)).reduce((a, b) => a + b, 0);
  const wall = performance.now() - t0;
  let recorded = 0;
  for (let i = 0; i < n; i++) recorded += videoPackets(await nginx.recordingClosed(`ref${i}`));
  // frames ffmpeg read from the fixture in `seconds` (the fixture is 30 fps)
  const sent = n * seconds * 30;
  return { cpuPerStream: (cpuMs / wall) * 100 / n, sent, recorded };
}

if (process.argv[2] === "child") {
  configureLogging({ level: "error" });
  await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  configureLogging({ level: process.env.BENCH_LOG === "debug" ? "debug" : "error" });
  const seconds = Number(process.argv[2] ?? 8);
  const counts = (process.argv[3] ?? "1,2,4,8").split(",").map(Number);
  const workers = Number(process.argv[4] ?? -1);
  const nginx = await NginxRtmp.start();
  try {
    console.log(`WebRTC -> RTMP republish to nginx-rtmp, ${seconds} s of 480x270 30 fps H.264 (~0.8 Mb/s) + Opus -> AAC per stream, media.workers=${workers}`);
    console.log("N   transpond CPU%/stream (event loop)  loop p99  video frames recorded/sent (hub got, transponders dropped)   ffmpeg relay CPU%/stream  recorded/read   ratio");
    for (const n of counts) {
      const t = await transpond(nginx, n, seconds, workers);
      const f = await ffmpegRelay(nginx, n, seconds);
      console.log(
        `${String(n).padEnd(3)} ${`${t.cpuPerStream.toFixed(1)} (${t.loopCpuPerStream!.toFixed(1)})`.padStart(32)}  ${`${t.loopP99Ms!.toFixed(0)} ms`.padStart(8)}  ${`${t.recorded}/${t.sent} (${t.ingested}, ${t.dropped})`.padStart(56)}   ${f.cpuPerStream.toFixed(1).padStart(24)}  ${`${f.recorded}/${f.sent}`.padStart(13)}   ${(t.cpuPerStream / f.cpuPerStream).toFixed(2)}x`,
      );
      const l = t.losses!;
      if (t.ingested! < t.sent) {
        console.log(`    where packets went: ${l.givenUp} RTP packets given up by the jitter buffers (${l.late} came after that), kernel UDP buffer overflows ${l.rcvbufErrors} in / ${l.sndbufErrors} out, the senders got ${l.nacks} NACKs and ${l.plis} PLIs and retransmitted ${l.retransmitted} packets`);
      }
    }
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`load average at the end: ${load}`);
  } finally {
    await nginx.dispose();
  }
}
