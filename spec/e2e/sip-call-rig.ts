/**
 * The rig of the SIP call e2e tests: the call registry with the real transponder registry (RTMP
 * publisher + AAC audio path, as src/app.ts builds it) behind the REST router on a free port of
 * 127.0.0.1, SIPp scenarios from spec/e2e/sip/ with `@NAME@` placeholders filled in, and
 * ffprobe / ffmpeg checks of recordings. Every process and socket started is closed by `closeAll()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeConfig, type Config } from "../../src/config.ts";
import { rtmpAudioTarget, TranscodingAudioPath } from "../../src/core/push/audio-path.ts";
import { CallRegistry } from "../../src/core/call/calls.ts";
import { callObject } from "../../src/rest/wcs-objects.ts";
import { codecWorkerCount, MediaWorkers } from "../../src/core/media-workers.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { TransponderRegistry } from "../../src/core/push/transponders.ts";
import { createLogger } from "../../src/log.ts";
import { registerCallRoutes } from "../../src/rest/call-routes.ts";
import { registerStatsRoutes } from "../../src/rest/stats-routes.ts";
import { Router } from "../../src/rest/router.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, freeUdpPort, portTaken, waitFor } from "../support/net.ts";
import { run } from "../support/process.ts";
import { keepOutput } from "../support/test-log.ts";

/**
 * SIP timers a tenth of RFC 3261's, for the test that waits for Timer B (64 * T1 = 3.2 s instead of
 * 32 s). Every other test keeps the RFC's T1 = 500 ms: with 50 ms, a loaded 2-core machine that
 * delays SIPp's first answer past 3.2 s turned a working call into a 408.
 */
export const FAST_SIP_TIMERS = { T1: 50, T2: 400, T4: 500 } as const;

/** SIPp's bundled 7 s PCMA capture: Debian's copy, else the shared fixture. */
export function pcmaCapture(): string | undefined {
  const debian = "/usr/share/sip-tester/g711a.pcap";
  return existsSync(debian) ? debian : sharedFixture("rtp_pcma_sipp-bundled_30ms.pcap");
}

export interface Server_ {
  readonly hub: StreamHub;
  readonly calls: CallRegistry;
  readonly transponders: TransponderRegistry;
  readonly events: Record<string, unknown>[];
  readonly config: Config;
  readonly media: MediaWorkers;
  rest(path: string, body?: unknown, method?: "GET" | "POST"): Promise<{ status: number; body: unknown }>;
  /** Polls /call/find until `check` passes on the first call. */
  waitForCall(callId: string, what: string, check: (call: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const closers: (() => Promise<void> | void)[] = [];

export async function startServer(overrides: Parameters<typeof makeConfig>[0] = {}, sipTimers?: typeof FAST_SIP_TIMERS): Promise<Server_> {
  const config = makeConfig({ ...mediaPortRange(100), rtmp_reconnect_min_delay: 200, ...overrides });
  const hub = new StreamHub();
  const media = new MediaWorkers(codecWorkerCount(config["media.workers"]), createLogger("media"));
  const transponders = new TransponderRegistry({
    hub,
    config,
    connect: (target, flashVer) => new RtmpPublisher(target, { flashVer }),
    audioPath: (codec, streamName) => new TranscodingAudioPath(rtmpAudioTarget(codec, config.aac_bitrate_stereo), createLogger("push.audio"), media.transcoderFor(streamName)),
    loadSound: () => Promise.reject(new Error("no sounds in this test")),
  });
  const events: Record<string, unknown>[] = [];
  const calls = new CallRegistry({ hub, config, transponders, transcoders: (streamName) => media.transcoderFor(streamName), log: createLogger("call"), ...(sipTimers ? { sipTimers } : {}), rtcpIntervalMs: 1000, onCallStatus: (c) => events.push(callObject(c)) });
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerCallRoutes(router, calls);
  registerStatsRoutes(router, () => media.health());
  const http: Server = createServer(router.handle);
  await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const rest = async (path: string, body?: unknown, method: "GET" | "POST" = "POST") => {
    const res = await fetch(base + path, { method, ...(method === "POST" ? { body: JSON.stringify(body ?? {}), headers: { "content-type": "application/json" } } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const close = async () => {
    await calls.close();
    transponders.close();
    hub.close("test over");
    http.closeAllConnections();
    await new Promise<void>((done) => http.close(() => done()));
    await media.close();
  };
  closers.push(close);
  return {
    hub,
    media,
    calls,
    transponders,
    events,
    config,
    rest,
    close,
    waitForCall: (callId, what, check, timeoutMs = 10000) =>
      waitFor(
        what,
        async () => {
          const r = await rest("/rest-api/call/find", { callId });
          const call = r.status === 200 ? (r.body as Record<string, unknown>[])[0] : undefined;
          return call && check(call) ? call : undefined;
        },
        timeoutMs,
        100,
      ),
  };
}

export interface Sipp {
  readonly port: number;
  readonly exit: Promise<number | null>;
  readonly messageLog: string;
  readonly child: ChildProcess;
}

const children = new Set<ChildProcess>();
let tempDir: string | undefined;

/** Starts SIPp on a scenario of spec/e2e/sip/ with `@KEY@` replaced by `vars[KEY]`; `tcp` runs it with `-t t1`, `autoAnswer` with `-aa` (200 to INFO, OPTIONS, UPDATE outside the scenario). */
export async function startSipp(scenario: string, vars: Record<string, string> = {}, options: { tcp?: boolean; autoAnswer?: boolean } = {}): Promise<Sipp> {
  tempDir ??= mkdtempSync(join(tmpdir(), "transpond-sip-call-"));
  let xml = readFileSync(resolve(import.meta.dirname, "sip", scenario), "utf8");
  for (const [k, v] of Object.entries(vars)) xml = xml.replaceAll(`@${k}@`, v);
  const file = join(tempDir, `${Date.now()}-${scenario}`);
  writeFileSync(file, xml);
  const port = options.tcp ? await freeTcpPort() : await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const messageLog = join(tempDir, `${port}-messages.log`);
  const child = spawn("sipp", ["-sf", file, "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1", "-mp", String(mediaPort), "-m", "1", "-nostdin", "-timeout", "40s", "-trace_msg", "-message_file", messageLog, ...(options.tcp ? ["-t", "t1"] : []), ...(options.autoAnswer ? ["-aa"] : [])], { stdio: "ignore", cwd: tempDir });
  children.add(child);
  keepOutput(`sipp ${scenario} on port ${port} (messages)`, () => (existsSync(messageLog) ? readFileSync(messageLog, "utf8") : ""));
  const exit = new Promise<number | null>((done) =>
    child.once("exit", (code) => {
      children.delete(child);
      done(code);
    }),
  );
  await waitFor(`sipp listening on ${port}`, async () => ((await portTaken(port, options.tcp ?? false)) ? true : undefined), 5000, 50);
  return { port, exit, messageLog, child };
}

export function sippMessages(sipp: Sipp): string {
  return existsSync(sipp.messageLog) ? readFileSync(sipp.messageLog, "utf8") : "";
}

/** The `/call/startup` body for a call to SIPp on 127.0.0.1 (strings, as the WCS examples send them). */
export function callBody(callId: string, sipp: Sipp, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { callId, callee: "service", hasAudio: "true", hasVideo: "false", sipLogin: "alice", sipAuthenticationName: "alice", sipPassword: "secret-pw", sipDomain: "127.0.0.1", sipOutboundProxy: "127.0.0.1", sipPort: String(sipp.port), appKey: "defaultApp", sipRegisterRequired: "false", ...extra };
}

/** Audio codec, rate, channels, frame count and duration of a recording's audio stream (ffprobe). */
export async function probeAudio(file: string): Promise<{ codec: string; sampleRate: number; channels: number; duration: number; frames: number }> {
  const r = await run("ffprobe", ["-v", "error", "-select_streams", "a", "-count_frames", "-show_entries", "stream=codec_name,sample_rate,channels,nb_read_frames,duration:format=duration", "-of", "json", file]);
  const json = JSON.parse(r.stdout || "{}") as { streams?: { codec_name?: string; sample_rate?: string; channels?: number; nb_read_frames?: string; duration?: string }[]; format?: { duration?: string } };
  const s = json.streams?.[0];
  return { codec: s?.codec_name ?? "", sampleRate: Number(s?.sample_rate ?? 0), channels: s?.channels ?? 0, frames: Number(s?.nb_read_frames ?? 0), duration: Number(s?.duration ?? json.format?.duration ?? 0) };
}

export async function closeAll(): Promise<void> {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const close of closers.splice(0)) await close();
}

export function removeTemp(): void {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}
