/**
 * `GET /metrics` (Prometheus text format, behind the REST users like `/rest-api/*`) and `GET /health`
 * (open, for load balancers and orchestrators: 200 and a small JSON body while the node runs).
 * Everything is read from the live objects at scrape time, except the counters of things that end
 * (a stopped transponder's reconnects and dropped frames), which are kept here so they never go down.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CallRegistry } from "../core/call/calls.ts";
import type { MediaHealth } from "../core/media-workers.ts";
import type { TransponderRegistry } from "../core/push/transponders.ts";
import type { Transponder, TransponderStatus } from "../core/push/transponder.ts";
import type { RelayRegistry } from "../core/relay/relays.ts";
import type { RelayState } from "../core/relay/relay.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import { SINK_KINDS, type MediaTotals } from "../core/stream/stream.ts";
import { jitterBufferTotals } from "../rtp/jitter-buffer.ts";
import { countBy, formatMetrics, PROMETHEUS_CONTENT_TYPE, samplesByLabel, type MetricFamily, type Sample } from "./prometheus.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { sendRestError, type Router } from "./router.ts";

export const METRICS_PATH = "/metrics";
export const HEALTH_PATH = "/health";

export interface MetricsSources {
  readonly version: string;
  readonly hub: StreamHub;
  readonly transponders: TransponderRegistry;
  readonly relays: RelayRegistry;
  readonly calls: CallRegistry;
  /** event-loop delay and the codec workers */
  readonly health: () => MediaHealth;
}

const STREAM_SOURCES = ["rtmp", "webrtc", "sip", "pull", "file"];
const TRANSPONDER_STATES: readonly TransponderStatus[] = ["CONNECTING", "ACTIVE", "RECONNECTING", "FAILED", "STOPPED"];
const RELAY_STATES: readonly RelayState[] = ["CONNECTING", "ACTIVE", "RECONNECTING", "FAILED", "STOPPED"];
const CALL_STATUSES = ["NEW", "TRYING", "RING", "SESSION_PROGRESS", "ESTABLISHED", "HOLD", "BUSY", "FAILED", "FINISH"];
const FINAL_TRANSPONDER_STATES: readonly TransponderStatus[] = ["STOPPED", "FAILED"];

/** Counters of jobs that end: what ended ones counted, added to what live ones count now. */
class EndedJobTotals {
  reconnects = { transponder: 0, relay: 0 };
  droppedFrames = 0;
  private readonly ended = new WeakSet<Transponder>();

  constructor(sources: MetricsSources) {
    sources.transponders.on("state", ({ transponder, to }) => {
      if (to === "RECONNECTING") this.reconnects.transponder++;
      if (FINAL_TRANSPONDER_STATES.includes(to) && !this.ended.has(transponder)) {
        this.ended.add(transponder);
        this.droppedFrames += transponder.droppedFrames;
      }
    });
    sources.relays.on("state", ({ to }) => {
      if (to === "RECONNECTING") this.reconnects.relay++;
    });
  }

  droppedFramesNow(sources: MetricsSources): number {
    return sources.transponders.all().reduce((n, { transponder: t }) => n + (this.ended.has(t) ? 0 : t.droppedFrames), this.droppedFrames);
  }
}

const byTrack = (counts: MediaTotals["framesIn"]): Sample[] => [
  { labels: { track: "video" }, value: counts.video },
  { labels: { track: "audio" }, value: counts.audio },
];

function mediaFamilies(totals: MediaTotals): MetricFamily[] {
  return [
    { name: "transpond_media_received_frames_total", help: "Frames published streams took in, by track", type: "counter", samples: byTrack(totals.framesIn) },
    { name: "transpond_media_received_bytes_total", help: "Payload bytes published streams took in, by track", type: "counter", samples: byTrack(totals.bytesIn) },
    { name: "transpond_media_sent_frames_total", help: "Frames handed to players, transponders, relays and recordings, by track", type: "counter", samples: byTrack(totals.framesOut) },
    { name: "transpond_media_sent_bytes_total", help: "Payload bytes handed to players, transponders, relays and recordings, by track", type: "counter", samples: byTrack(totals.bytesOut) },
  ];
}

function sessionFamilies(sources: MetricsSources): MetricFamily[] {
  const streams = sources.hub.all();
  const players = new Map<string, number>();
  for (const stream of streams) for (const [kind, n] of Object.entries(stream.sinkCounts())) players.set(kind, (players.get(kind) ?? 0) + n);
  return [
    { name: "transpond_streams", help: "Published streams, by source kind", type: "gauge", samples: samplesByLabel("source", STREAM_SOURCES, countBy(streams, (s) => s.info.source)) },
    { name: "transpond_players", help: "Consumers attached to published streams, by kind (rtmp, webrtc and flv players, transponders, relays, SIP injections, recordings)", type: "gauge", samples: samplesByLabel("kind", SINK_KINDS, players) },
    { name: "transpond_transponders", help: "RTMP republishing jobs, by state", type: "gauge", samples: samplesByLabel("state", TRANSPONDER_STATES, countBy(sources.transponders.all(), (r) => r.transponder.status)) },
    { name: "transpond_relays", help: "Pull and push relays, by state", type: "gauge", samples: samplesByLabel("state", RELAY_STATES, countBy(sources.relays.all(), (r) => r.state)) },
    { name: "transpond_calls", help: "SIP calls, by status", type: "gauge", samples: samplesByLabel("status", CALL_STATUSES, countBy(sources.calls.all(), (c) => c.status)) },
  ];
}

function healthFamilies(health: MediaHealth): MetricFamily[] {
  const loop = health.eventLoop;
  const pool = health.codecWorkers;
  // gauges, not a summary: the quantiles come from a window that resets, with no sum or count
  const window = loop.windowMs / 1000;
  return [
    { name: "transpond_event_loop_delay_p50_seconds", help: `Median event-loop delay over the last ${window} s`, type: "gauge", samples: [{ value: loop.p50Ms / 1000 }] },
    { name: "transpond_event_loop_delay_p99_seconds", help: `99th percentile event-loop delay over the last ${window} s`, type: "gauge", samples: [{ value: loop.p99Ms / 1000 }] },
    { name: "transpond_event_loop_delay_max_seconds", help: `Largest event-loop delay over the last ${window} s`, type: "gauge", samples: [{ value: loop.maxMs / 1000 }] },
    { name: "transpond_codec_workers", help: "Codec worker threads (0: codecs run in the event loop)", type: "gauge", samples: [{ value: pool.workers }] },
    { name: "transpond_codec_workers_running", help: "Codec worker threads started (each starts when a stream first needs it)", type: "gauge", samples: [{ value: pool.running }] },
    { name: "transpond_codec_worker_queue_depth", help: "Codec jobs sent to the workers and not yet answered", type: "gauge", samples: [{ value: pool.queueDepth }] },
    { name: "transpond_codec_worker_restarts_total", help: "Codec workers restarted after they died", type: "counter", samples: [{ value: pool.restarts }] },
    { name: "transpond_codec_worker_dropped_jobs_total", help: "Codec jobs refused because their worker's queue was full", type: "counter", samples: [{ value: pool.droppedJobs }] },
    { name: "transpond_codec_worker_lost_jobs_total", help: "Codec jobs lost with a worker that died", type: "counter", samples: [{ value: pool.lostJobs }] },
  ];
}

const START_SECONDS = Math.floor(Date.now() / 1000 - process.uptime());

function processFamilies(version: string): MetricFamily[] {
  const cpu = process.cpuUsage();
  return [
    { name: "transpond_build_info", help: "The running version (value always 1)", type: "gauge", samples: [{ labels: { version }, value: 1 }] },
    { name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch", type: "gauge", samples: [{ value: START_SECONDS }] },
    { name: "process_cpu_seconds_total", help: "User and system CPU time spent", type: "counter", samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: "process_resident_memory_bytes", help: "Resident memory size", type: "gauge", samples: [{ value: process.memoryUsage.rss() }] },
  ];
}

/** The whole exposition. */
function collectMetrics(sources: MetricsSources, ended: EndedJobTotals): MetricFamily[] {
  return [
    ...processFamilies(sources.version),
    ...sessionFamilies(sources),
    ...mediaFamilies(sources.hub.totals),
    {
      name: "transpond_reconnects_total",
      help: "Reconnect attempts of transponders and relays after their connection was lost",
      type: "counter",
      samples: [
        { labels: { job: "transponder" }, value: ended.reconnects.transponder },
        { labels: { job: "relay" }, value: ended.reconnects.relay },
      ],
    },
    { name: "transpond_transponder_dropped_frames_total", help: "Frames transponders dropped because the RTMP target could not take them in time", type: "counter", samples: [{ value: ended.droppedFramesNow(sources) }] },
    { name: "transpond_jitter_buffer_lost_packets_total", help: "RTP packets the jitter buffers (WebRTC and SIP in) gave up as lost", type: "counter", samples: [{ value: jitterBufferTotals.lost }] },
    { name: "transpond_jitter_buffer_late_packets_total", help: "RTP packets that came after the jitter buffer gave their place up", type: "counter", samples: [{ value: jitterBufferTotals.late }] },
    ...healthFamilies(sources.health()),
  ];
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Call before registerWebRoutes (whose `/` prefix takes every GET path left). */
export function registerMetricsRoutes(router: Router, sources: MetricsSources): void {
  const ended = new EndedJobTotals(sources);
  const notFound = (res: ServerResponse, path: string) =>
    sendRestError(res, new RestError(REST_ERR.NOT_FOUND, `no such resource: ${path}`), { "Cache-Control": "no-store" });
  router.getPrefix(METRICS_PATH, (req, res, path) => {
    if (path !== METRICS_PATH) return notFound(res, path);
    sendText(res, req, 200, PROMETHEUS_CONTENT_TYPE, formatMetrics(collectMetrics(sources, ended)));
  }, true);
  router.getPrefix(HEALTH_PATH, (req, res, path) => {
    if (path !== HEALTH_PATH) return notFound(res, path);
    const health = sources.health();
    const body = { status: "UP", version: sources.version, uptimeSeconds: Math.round(process.uptime()), streams: sources.hub.all().length, eventLoopDelayP99Ms: health.eventLoop.p99Ms };
    sendText(res, req, 200, "application/json", JSON.stringify(body));
  });
}
