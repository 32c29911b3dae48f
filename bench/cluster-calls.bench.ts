/**
 * Calls a cluster carries against one node (issue 15): SIP calls placed through REST
 * `/call/startup`, spread in turn over the nodes' REST ports, to one SIPp UAS streaming PCMA
 * (./sipp-uas.ts); each node republishes its calls' audio (G.711 -> AAC 48 kHz mono) to nginx-rtmp
 * (`rtmpUrl` + `rtmpStream`). The nodes are `transpond start` processes (default `media.workers`) on
 * one redis-server, all on this machine. For 1 node, then for 3, N rises through its list until a run
 * has gaps. A run is without gaps when every call is ESTABLISHED; over the measured window no jitter
 * buffer gave a packet up, no transponder dropped a frame or reconnected and no codec worker refused
 * a job (/metrics); and every nginx recording holds AAC frames for >= 99 % of the time its timestamps
 * span, a span at least as long as the measured window up to the terminate (shorter: the push
 * started again, or its audio fell behind real time, e.g. a codec worker that cannot keep up). The
 * worst node's event-loop delay (its last full 10 s window, inside the measured one) is printed
 * beside: on a machine shared with other work it says more about that work than about N.
 *
 *   node --import tsx bench/cluster-calls.bench.ts [seconds measured, default 20] [N list for 1 node] [N list for 3 nodes]
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startClusterProcess, type ClusterProcess } from "../spec/support/cluster.ts";
import { mediaPortRange } from "../spec/support/media-ports.ts";
import { sleep, waitFor } from "../spec/support/net.ts";
import { NginxRtmp } from "../spec/support/nginx.ts";
import { RedisServer } from "../spec/support/redis.ts";
import { takeOutput } from "../spec/support/test-log.ts";
import { statCpuSeconds, stopGracefully } from "./measure.ts";
import { startPcmaUas } from "./sipp-uas.ts";

const seconds = Number(process.argv[2] ?? 20);
const steps: Record<number, number[]> = {
  1: (process.argv[3] ?? "30,35,40,45,50").split(",").map(Number),
  3: (process.argv[4] ?? "60,75,90,105,120").split(",").map(Number),
};
const WARMUP_MS = 3000;
const AAC_FRAMES_PER_S = 48000 / 1024;
/** the ports each node's calls take RTP on (3 nodes share one 1000-port test region) */
const MEDIA_PORTS_PER_NODE = 330;
const NODE_SETTINGS = { "log.level": "warn", max_calls: 1000, max_transponders: 1000, "rtmp.publish_idle_timeout": 0 };

interface Run {
  readonly nodes: number;
  readonly calls: number;
  readonly established: number;
  /** CPU of all node processes, % of one core */
  readonly cpuPercent: number;
  readonly jitterLost: number;
  readonly droppedFrames: number;
  /** transponder reconnects (a call's push lost its RTMP connection) */
  readonly reconnects: number;
  /** codec jobs refused by a full worker queue, and the deepest queue at the end (a worker behind real time) */
  readonly codecDropped: number;
  readonly codecQueue: number;
  /** worst node's event-loop delay p99 and max (ms) */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  /** worst call: AAC frames recorded / frames its timestamps span */
  readonly framesMin: number;
  /** worst call: recording span / time from the start of the measured window to the terminate */
  readonly spanMin: number;
}

const clean = (r: Run) => r.established === r.calls && r.jitterLost === 0 && r.droppedFrames === 0 && r.reconnects === 0 && r.codecDropped === 0 && r.framesMin >= 0.99 && r.spanMin >= 1;

/**
 * One request on a connection of its own: fetch's pooled keep-alive connections, idle while a run
 * measures, race the node's keep-alive timeout and fail as "other side closed".
 */
function request(node: ClusterProcess, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${node.api}${path}`, { method, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function post(node: ClusterProcess, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const { status, text } = await request(node, "POST", path, body);
  return { status, body: text === "" ? undefined : JSON.parse(text) };
}

/** The node's /metrics samples this bench reads, by name. */
async function metrics(node: ClusterProcess): Promise<Record<string, number>> {
  const { text } = await request(node, "GET", "/metrics");
  const wanted = ["transpond_jitter_buffer_lost_packets_total", "transpond_transponder_dropped_frames_total", "transpond_event_loop_delay_p99_seconds", "transpond_event_loop_delay_max_seconds", 'transpond_reconnects_total{job="transponder"}', "transpond_codec_worker_dropped_jobs_total", "transpond_codec_worker_queue_depth"];
  const value = (name: string) => Number(text.split("\n").find((line) => line.startsWith(`${name} `))?.slice(name.length + 1) ?? NaN);
  return Object.fromEntries(wanted.map((name) => [name, value(name)]));
}

const sum = (all: Record<string, number>[], name: string) => all.reduce((s, m) => s + m[name]!, 0);
const worst = (all: Record<string, number>[], name: string) => Math.max(...all.map((m) => m[name]!));
const cpuOf = (nodes: readonly ClusterProcess[]) => nodes.reduce((s, n) => s + statCpuSeconds(`/proc/${n.child.pid}/stat`), 0);

/** AAC frames of a recording and the seconds its timestamps span (ffprobe). */
function probe(file: string): { frames: number; spanS: number } {
  const r = spawnSync("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "packet=pts_time", "-of", "csv=p=0", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const times = r.stdout.split("\n").map((l) => l.split(",")[0]!).filter((t) => t !== "").map(Number);
  if (times.length < 2) return { frames: times.length, spanS: 0 };
  return { frames: times.length, spanS: times.at(-1)! - times[0]! + 1 / AAC_FRAMES_PER_S };
}

async function run(nodes: readonly ClusterProcess[], n: number, sippPort: number, nginx: NginxRtmp): Promise<Run> {
  const names = Array.from({ length: n }, (_, i) => `c${nodes.length}x${n}_${i}`);
  for (const [i, name] of names.entries()) {
    const answer = await post(nodes[i % nodes.length]!, "/rest-api/call/startup", { callId: name, callee: "bench", sipLogin: "bench", sipDomain: "127.0.0.1", sipPort: sippPort, hasVideo: false, rtmpUrl: nginx.url("live"), rtmpStream: name });
    if (answer.status !== 200) throw new Error(`call/startup ${name}: HTTP ${answer.status} ${answer.body?.message ?? ""}`);
  }
  const established = async () => {
    const all = await post(nodes[0]!, "/rest-api/call/find_all", {});
    return all.status === 200 ? (all.body as any[]).filter((c) => c.status === "ESTABLISHED").length : 0;
  };
  await waitFor(`${n} calls established`, async () => ((await established()) === n ? true : undefined), 30000, 250).catch(() => undefined);
  await sleep(WARMUP_MS);
  const before = await Promise.all(nodes.map(metrics));
  const cpu0 = cpuOf(nodes);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuOf(nodes) - cpu0;
  const after = await Promise.all(nodes.map(metrics));
  const up = await established();
  const endedAt = performance.now();
  await Promise.all(names.map((callId, i) => post(nodes[i % nodes.length]!, "/rest-api/call/terminate", { callId }).catch(() => undefined)));
  await sleep(1500); // nginx closes the recordings
  const measuredS = (endedAt - t0) / 1000;
  const recordings = names.map((name) => probe(nginx.recording(name)));
  return {
    nodes: nodes.length,
    calls: n,
    established: up,
    cpuPercent: (cpu / wall) * 100,
    jitterLost: sum(after, "transpond_jitter_buffer_lost_packets_total") - sum(before, "transpond_jitter_buffer_lost_packets_total"),
    droppedFrames: sum(after, "transpond_transponder_dropped_frames_total") - sum(before, "transpond_transponder_dropped_frames_total"),
    reconnects: sum(after, 'transpond_reconnects_total{job="transponder"}') - sum(before, 'transpond_reconnects_total{job="transponder"}'),
    codecDropped: sum(after, "transpond_codec_worker_dropped_jobs_total") - sum(before, "transpond_codec_worker_dropped_jobs_total"),
    codecQueue: worst(after, "transpond_codec_worker_queue_depth"),
    loopP99Ms: worst(after, "transpond_event_loop_delay_p99_seconds") * 1000,
    loopMaxMs: worst(after, "transpond_event_loop_delay_max_seconds") * 1000,
    framesMin: Math.min(...recordings.map((r) => (r.spanS > 0 ? r.frames / (r.spanS * AAC_FRAMES_PER_S) : 0))),
    spanMin: Math.min(...recordings.map((r) => r.spanS / measuredS)),
  };
}

async function startNodes(count: number, redis: RedisServer, dir: string): Promise<ClusterProcess[]> {
  const nodes: ClusterProcess[] = [];
  for (let i = 1; i <= count; i++) nodes.push(await startClusterProcess(redis.url, join(dir, `of${count}`), `n${i}`, { ...NODE_SETTINGS, ...mediaPortRange(MEDIA_PORTS_PER_NODE) }));
  return nodes;
}

function printRow(r: Run): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`| ${r.nodes} | ${r.calls} | ${r.established} | ${r.cpuPercent.toFixed(0)} % | ${r.jitterLost} | ${r.droppedFrames} | ${r.reconnects} | ${r.codecDropped} / ${r.codecQueue} | ${r.loopP99Ms.toFixed(0)} / ${r.loopMaxMs.toFixed(0)} ms | ${pct(r.framesMin)} | ${pct(r.spanMin)} | ${clean(r) ? "yes" : "gaps"} |`);
}

const dir = mkdtempSync(join(tmpdir(), "transpond-cluster-calls-bench-"));
const children = new Set<ChildProcess>();
let redis: RedisServer | undefined;
let nginx: NginxRtmp | undefined;
let nodes: ClusterProcess[] = [];
const best: Record<number, number> = {};
try {
  redis = await RedisServer.start();
  nginx = await NginxRtmp.start();
  const uas = await startPcmaUas(dir);
  children.add(uas.child);
  console.log(`SIP calls (PCMA from SIPp) placed through REST /call/startup -> AAC 48 kHz mono -> nginx-rtmp, ${seconds} s measured per run`);
  console.log("| nodes | calls | established | CPU (all nodes, % of a core) | JB lost | dropped frames | push reconnects | codec jobs dropped / worst queue | worst loop delay p99 / max | frames vs span (min) | span vs measured window (min) | no gaps |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const count of [1, 3]) {
    nodes = await startNodes(count, redis, dir);
    best[count] = 0;
    for (const n of steps[count]!) {
      const r = await run(nodes, n, uas.port, nginx);
      printRow(r);
      if (!clean(r)) break;
      best[count] = n;
    }
    for (const node of nodes) await node.kill();
    nodes = [];
  }
  console.log(`\nmost calls without gaps: 1 node ${best[1]}, 3 nodes ${best[3]} (${best[1] ? (best[3]! / best[1]).toFixed(2) : "n/a"}x)`);
} catch (err) {
  // a node that died or failed a request: what the nodes logged last (nginx's log left out)
  console.error(`\n${takeOutput()}`.split("\n--- ").filter((part) => part.startsWith("node ")).join("\n--- "));
  throw err;
} finally {
  for (const node of nodes) await node.kill();
  await stopGracefully(children);
  await nginx?.dispose();
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
}
