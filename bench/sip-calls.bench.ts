/**
 * SIP call audio republished to RTMP: our UserAgent places N concurrent calls to one SIPp UAS that
 * answers each with PCMA and streams a 440 Hz A-law file (`rtp_stream`, looped) to the offered
 * port (./sipp-uas.ts). Transpond receives each call's RTP (UDP socket, RTP decode, jitter buffer), transcodes
 * G.711 -> AAC-LC 48 kHz mono 64 kb/s (src/audio AudioTranscoder) and publishes it to nginx-rtmp
 * (RtmpPublisher). The reference in the same run: the same N calls with the offer pointing at N
 * `ffmpeg -protocol_whitelist file,udp,rtp -i call.sdp -c:a aac -f flv rtmp://...` processes.
 *
 * Prints per N: CPU per call (this process, process.cpuUsage; ffmpeg from /proc), the AAC frames
 * each call produced against what the wall clock says it should (>= 99 % and no jitter-buffer loss
 * = "no gaps"), the worst event-loop delay, the length of nginx's recordings (ffprobe) for both, and
 * the ratio, and memory: this process's RSS growth with the calls up per call, beside each ffmpeg's
 * RSS. The REST /call layer is not in this path (it did not exist when this was written).
 *
 * With codec workers (`media.workers`, the third argument: -1 = cores - 1, the default; 0 = codecs
 * in the event loop as before) each call's transcoder runs in its worker through core's
 * MediaWorkers, as the gateway runs it; CPU per call then counts every thread of this process.
 *
 *   node --import tsx bench/sip-calls.bench.ts [seconds measured per run, default 15] [N list, default 1,8,32,64] [media.workers, default -1] [--no-ffmpeg]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Transcoder } from "../src/audio/transcoders.ts";
import type { AudioFrame } from "../src/codecs/frame.ts";
import { codecWorkerCount, MediaWorkers } from "../src/core/media-workers.ts";
import { configureLogging, createLogger } from "../src/log.ts";
import { RtmpPublisher } from "../src/rtmp/client/publisher.ts";
import { parseRtmpTarget } from "../src/rtmp/client/url.ts";
import { JitterBuffer } from "../src/rtp/jitter-buffer.ts";
import { decodeRtp } from "../src/rtp/packet.ts";
import { TimestampUnwrapper } from "../src/rtp/sequence.ts";
import { buildSipOffer } from "../src/sdp/offer.ts";
import { serializeSdp } from "../src/sdp/serialize.ts";
import { UdpTransport } from "../src/sip/transport/udp.ts";
import type { Call } from "../src/sip/user-agent/call.ts";
import { UserAgent } from "../src/sip/user-agent/user-agent.ts";
import { NginxRtmp } from "../spec/support/nginx.ts";
import { freeUdpPort, sleep } from "../spec/support/net.ts";
import { startPcmaUas } from "./sipp-uas.ts";

const seconds = Number(process.argv[2] ?? 15);
const counts = (process.argv[3] ?? "1,8,32,64").split(",").map(Number);
const workers = codecWorkerCount(Number(process.argv[4] ?? -1));
const withFfmpeg = !process.argv.includes("--no-ffmpeg");
const WARMUP_MS = 2000;
const CLK_TCK = 100;
const AAC_FRAMES_PER_S = 48000 / 1024;
configureLogging({ level: "error" });

const dir = mkdtempSync(join(tmpdir(), "transpond-sip-bench-"));
const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function killAll(filter: (c: ChildProcess) => boolean = () => true): Promise<void> {
  const waits = [...children].filter(filter).map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once("exit", () => r()), c.kill("SIGKILL")))));
  await Promise.all(waits);
}

/** utime + stime in seconds of the given pids (or, with "task", of this process's thread with that id), from /proc. */
function cpuOf(pids: readonly number[], scope: "process" | "task" = "process"): number {
  let cpu = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(scope === "task" ? `/proc/self/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      cpu += (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      // gone
    }
  }
  return cpu;
}

/** Resident memory of the processes, MB. */
function rssOf(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

async function evenPortPair(): Promise<number> {
  for (;;) {
    const p = await freeUdpPort();
    if (p % 2 !== 0) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createSocket("udp4");
      s.once("error", () => resolve(false));
      s.bind(p + 1, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
}

function offer(port: number): string {
  return serializeSdp(buildSipOffer({ address: "127.0.0.1", audioPort: port, hasAudio: true, hasVideo: false }));
}

async function dial(ua: UserAgent, port: number): Promise<Call> {
  const call = ua.call("bench", { sdp: offer(port) });
  await new Promise<void>((resolve, reject) => {
    call.once("established", () => resolve());
    call.once("failed", (e) => reject(e));
  });
  return call;
}

/** One call's media path in this process: RTP in -> jitter buffer -> G.711 -> AAC -> RTMP. */
class CallPath {
  aacFrames = 0;
  rtpPackets = 0;
  private base: number | undefined;
  private readonly jb = new JitterBuffer({ clockRate: 8000 });
  private readonly ts = new TimestampUnwrapper();
  private transcoder!: Transcoder;
  private constructor(readonly socket: Socket, private readonly publisher: RtmpPublisher) {}

  static async open(url: string, media: MediaWorkers, name: string): Promise<CallPath> {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    const publisher = new RtmpPublisher(parseRtmpTarget(url, { fullUrl: true }), { flashVer: "FMLE/3.0 (compatible; Transpond bench)" });
    const path = new CallPath(socket, publisher);
    const make = media.transcoderFor(name);
    path.transcoder = await make({ source: { codec: "PCMA", sampleRate: 8000, channels: 1 }, target: { codec: "AAC", sampleRate: 48000, channels: 1, bitrate: 64000 } }, (frames) => path.send(frames));
    await publisher.start();
    publisher.sendMetadata({ audioCodec: "AAC", audioSampleRate: 48000, audioChannels: 1 });
    publisher.sendConfig(path.transcoder.output, 0);
    socket.on("message", (bytes) => path.receive(bytes));
    return path;
  }

  get lost(): number {
    return this.jb.stats.lost;
  }

  private receive(bytes: Buffer): void {
    this.rtpPackets++;
    for (const out of this.jb.push(decodeRtp(bytes), performance.now())) {
      if (out.type !== "packet") continue;
      const ms = this.ts.unwrap(out.packet.timestamp) / 8;
      const frame: AudioFrame = { kind: "audio", codec: "PCMA", dts: ms, pts: ms, key: true, data: out.packet.payload };
      this.send(this.transcoder.push(frame));
    }
  }

  private send(frames: readonly AudioFrame[]): void {
    for (const aac of frames) {
      this.aacFrames++;
      this.base ??= aac.dts;
      this.publisher.sendFrame(aac, Math.round(aac.dts - this.base));
    }
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.publisher.stop().catch(() => undefined);
    this.transcoder.close();
  }
}

function probeSeconds(file: string): number {
  const r = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file], { encoding: "utf8" });
  return Number(r.stdout.trim()) || 0;
}

interface Row {
  n: number;
  cpuPerCall: number;
  /** the event loop's thread alone (the process less its codec workers) */
  loopCpuPerCall: number;
  framesRatio: number;
  lost: number;
  loopDelayMs: number;
  loopP99Ms: number;
  recMin: number;
  /** this process's RSS growth with the calls up, per call (MB) */
  rssPerCallMb: number;
  ffCpuPerCall: number;
  ffRecMin: number;
  ffRssPerCallMb: number;
}

async function runTranspond(n: number, ua: UserAgent, nginx: NginxRtmp, media: MediaWorkers): Promise<Omit<Row, "ffCpuPerCall" | "ffRecMin" | "ffRssPerCallMb">> {
  const rss0 = rssOf([process.pid]);
  const paths: CallPath[] = [];
  const calls: Call[] = [];
  for (let i = 0; i < n; i++) {
    const path = await CallPath.open(`${nginx.url("live")}/t${n}_${i}`, media, `t${n}_${i}`);
    paths.push(path);
    calls.push(await dial(ua, path.socket.address().port));
  }
  const started = performance.now();
  await sleep(WARMUP_MS);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const frames0 = paths.map((p) => p.aacFrames);
  const lost0 = paths.reduce((s, p) => s + p.lost, 0);
  const cpu0 = process.cpuUsage();
  const loop0 = cpuOf([process.pid], "task");
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const loopCpu = cpuOf([process.pid], "task") - loop0;
  const rssPerCallMb = (rssOf([process.pid]) - rss0) / n;
  delay.disable();
  const framesRatio = Math.min(...paths.map((p, i) => (p.aacFrames - frames0[i]) / (wall * AAC_FRAMES_PER_S)));
  const lost = paths.reduce((s, p) => s + p.lost, 0) - lost0;
  const mediaSeconds = (performance.now() - started) / 1000;
  await Promise.all(calls.map((c) => c.hangup().catch(() => undefined)));
  await Promise.all(paths.map((p) => p.close()));
  await sleep(1000);
  const recMin = Math.min(...paths.map((_, i) => probeSeconds(nginx.recording(`t${n}_${i}`)) / mediaSeconds));
  return { n, cpuPerCall: ((cpu.user + cpu.system) / 1e6 / wall / n) * 100, loopCpuPerCall: (loopCpu / wall / n) * 100, framesRatio, lost, loopDelayMs: delay.max / 1e6, loopP99Ms: delay.percentile(99) / 1e6, recMin, rssPerCallMb };
}

async function runFfmpeg(n: number, ua: UserAgent, nginx: NginxRtmp): Promise<Pick<Row, "ffCpuPerCall" | "ffRecMin" | "ffRssPerCallMb">> {
  const procs: ChildProcess[] = [];
  const calls: Call[] = [];
  for (let i = 0; i < n; i++) {
    const port = await evenPortPair();
    const sdp = join(dir, `call-${n}-${i}.sdp`);
    writeFileSync(sdp, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=call\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + port + " RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n");
    procs.push(track(spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp", "-i", sdp, "-c:a", "aac", "-ar", "48000", "-ac", "1", "-b:a", "64k", "-f", "flv", `${nginx.url("live")}/f${n}_${i}`], { stdio: "ignore" })));
    await sleep(100);
    calls.push(await dial(ua, port));
  }
  const started = performance.now();
  await sleep(WARMUP_MS);
  const pids = procs.map((p) => p.pid!).filter((p) => p !== undefined);
  const cpu0 = cpuOf(pids);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuOf(pids) - cpu0;
  const ffRssPerCallMb = rssOf(pids) / n;
  const mediaSeconds = (performance.now() - started) / 1000;
  await Promise.all(calls.map((c) => c.hangup().catch(() => undefined)));
  for (const p of procs) p.kill("SIGINT");
  await sleep(1500);
  await killAll((c) => procs.includes(c));
  const ffRecMin = Math.min(...procs.map((_, i) => probeSeconds(nginx.recording(`f${n}_${i}`)) / mediaSeconds));
  return { ffCpuPerCall: (cpu / wall / n) * 100, ffRecMin, ffRssPerCallMb };
}

async function main(): Promise<void> {
  const uas = await startPcmaUas(dir);
  const sipp = track(uas.child);
  const nginx = await NginxRtmp.start();
  const transport = await UdpTransport.listen("127.0.0.1", 0);
  const ua = new UserAgent({ transport, user: "bench", domain: `127.0.0.1:${uas.port}` });
  const media = new MediaWorkers(workers, createLogger("media"));
  const rows: Row[] = [];
  try {
    for (const n of counts) {
      const ours = await runTranspond(n, ua, nginx, media);
      const ff = withFfmpeg ? await runFfmpeg(n, ua, nginx) : { ffCpuPerCall: NaN, ffRecMin: NaN, ffRssPerCallMb: NaN };
      const row = { ...ours, ...ff };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    ua.dispose();
    await media.close();
    await transport.close();
    await nginx.dispose();
    sipp.kill("SIGKILL");
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const pct = (x: number): string => `${x.toFixed(2)} %`;
  console.log(`\nSIP calls (PCMA from SIPp) -> AAC 48 kHz mono 64 kb/s -> nginx-rtmp, ${seconds} s measured per run, media.workers=${workers}`);
  console.log("| N | Transpond CPU/call (event-loop thread) | AAC frames vs clock (min) | JB lost | loop delay p99 / max | rec/media (min) | RSS/call | ffmpeg CPU/call | ffmpeg rec/media (min) | ffmpeg RSS/call | ffmpeg/Transpond CPU |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.n} | ${pct(r.cpuPerCall)} (${pct(r.loopCpuPerCall)}) | ${(r.framesRatio * 100).toFixed(1)} % | ${r.lost} | ${r.loopP99Ms.toFixed(0)} / ${r.loopDelayMs.toFixed(0)} ms | ${(r.recMin * 100).toFixed(0)} % | ${r.rssPerCallMb.toFixed(2)} MB | ${pct(r.ffCpuPerCall)} | ${(r.ffRecMin * 100).toFixed(0)} % | ${r.ffRssPerCallMb.toFixed(1)} MB | ${(r.ffCpuPerCall / r.cpuPerCall).toFixed(2)}x |`);
  }
  const clean = rows.filter((r) => r.framesRatio >= 0.99 && r.lost === 0 && r.loopP99Ms < 50);
  const best = clean.length ? Math.max(...clean.map((r) => r.n)) : 0;
  const last = rows.at(-1)!;
  console.log(`\nlargest N measured without gaps and with event-loop p99 under 50 ms: ${best}; by CPU/call at N=${last.n}: Transpond ~${Math.floor(100 / last.cpuPerCall)} calls per core, ffmpeg ~${Math.floor(100 / last.ffCpuPerCall)}`);
}

await main();
