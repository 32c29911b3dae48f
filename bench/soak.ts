/**
 * Soak (issue 14): for a configurable time, RTMP publishers, second publishers, WebSocket sessions,
 * transponders (republishing to the server's own RTMP port) and SIP calls (to a SIPp UAS, each
 * with its media made into a stream) join and leave continuously, while RSS, open descriptors,
 * event-loop delay and error counts are sampled.
 *
 *   node --import tsx bench/soak.ts [seconds=60] [concurrency=8] [calls=2]
 *
 * `runSoak` is also what the short version in spec/security/soak.test.ts runs.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import WebSocket from "ws";
import { startTestApp } from "../spec/security/support/app.ts";
import { RtmpPublisher } from "../src/rtmp/client/publisher.ts";
import { freeUdpPort, portTaken, waitFor } from "../spec/support/net.ts";

export interface SoakSample {
  readonly atS: number;
  readonly rssMb: number;
  readonly fds: number;
  readonly loopDelayP99Ms: number;
  readonly streams: number;
}

export interface SoakResult {
  readonly samples: SoakSample[];
  readonly idleFds: number;
  readonly finalFds: number;
  readonly errors: Record<string, number>;
  readonly cycles: number;
  readonly calls: number;
}

const FINAL_CALL_STATUSES = new Set(["FINISH", "FAILED", "BUSY"]);

/** SIPp's built-in UAS on loopback: answers every INVITE (PCMU), echoes RTP, answers BYE. */
async function startSippUas(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const child = spawn("sipp", ["-sn", "uas", "-i", "127.0.0.1", "-p", String(port), "-mi", "127.0.0.1", "-mp", String(mediaPort), "-rtp_echo", "-nostdin"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await waitFor(`sipp listening on ${port}`, async () => ((await portTaken(port)) ? true : undefined), 5000, 50);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return { port, stop: () => (child.kill("SIGKILL"), exited) };
}

const openFds = () => readdirSync("/proc/self/fd").length;

export async function runSoak(options: { durationMs: number; concurrency: number; calls?: number; sampleMs?: number; onSample?: (s: SoakSample) => void }): Promise<SoakResult> {
  // One start and stop first: Node and libuv open a few descriptors once, lazily (an epoll and
  // eventfds of the thread pool); they are not the load's and would read as a leak.
  await (await startTestApp()).close();
  const idleFds = openFds();
  const server = await startTestApp({ rtmp_reconnect_min_delay: 200, "rtmp.publish_idle_timeout": 0 });
  const uas = await startSippUas();
  const rtmp = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live`;
  const errors: Record<string, number> = {};
  const fail = (what: string) => (err: unknown) => void (errors[`${what}: ${(err as Error).message ?? err}`.slice(0, 120)] = (errors[`${what}: ${(err as Error).message ?? err}`.slice(0, 120)] ?? 0) + 1);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const samples: SoakSample[] = [];
  const started = Date.now();
  const sample = () => {
    const s = { atS: Math.round((Date.now() - started) / 1000), rssMb: Math.round(process.memoryUsage().rss / 1e6), fds: openFds(), loopDelayP99Ms: Math.round(delay.percentile(99) / 1e6), streams: server.app.hub.all().length };
    delay.reset();
    samples.push(s);
    options.onSample?.(s);
  };
  const timer = setInterval(sample, options.sampleMs ?? 1000);
  let cycles = 0;
  const worker = async (id: number) => {
    for (let n = 0; Date.now() - started < options.durationMs; n++) {
      const name = `soak${id}_${n}`;
      const publisher = new RtmpPublisher(`${rtmp}/${name}`);
      const ws = new WebSocket(`ws://127.0.0.1:${server.app.ports.ws}/`);
      ws.on("error", fail("websocket"));
      try {
        await publisher.start();
        const player = new RtmpPublisher(`${rtmp}/${name}_copy`);
        const push = await server.post("/rest-api/push/startup", { streamName: name, rtmpUrl: rtmp });
        if (push.status !== 200) fail("push/startup")(new Error(`HTTP ${push.status} ${push.body.message ?? ""}`));
        await player.start().catch(fail("second publisher"));
        await new Promise((r) => setTimeout(r, 100));
        const id = push.body.mediaSessionId;
        if (id) await server.post("/rest-api/push/terminate", { mediaSessionId: id });
        await player.stop().catch(fail("second publisher stop"));
      } catch (err) {
        fail("publisher")(err);
      } finally {
        await publisher.stop().catch(fail("publisher stop"));
        ws.close();
      }
      cycles++;
    }
  };
  let calls = 0;
  const caller = async (id: number) => {
    for (let n = 0; Date.now() - started < options.durationMs; n++) {
      const callId = `soak-call${id}_${n}`;
      const call = () => server.app.calls.get(callId);
      try {
        const answer = await server.post("/rest-api/call/startup", { callId, callee: "service", sipLogin: "soak", sipDomain: "127.0.0.1", sipPort: String(uas.port), hasVideo: "false", toStream: `soak_call${id}_${n}` });
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status} ${answer.body.message ?? ""}`);
        await waitFor(`${callId} established`, () => (call().status === "ESTABLISHED" ? true : FINAL_CALL_STATUSES.has(call().status) ? Promise.reject(new Error(`call ${call().status}`)) : undefined), 10000, 20);
        await new Promise((r) => setTimeout(r, 1000));
        await server.post("/rest-api/call/terminate", { callId });
        await waitFor(`${callId} finished`, () => (FINAL_CALL_STATUSES.has(call().status) ? true : undefined), 10000, 20);
        calls++;
      } catch (err) {
        fail("call")(err);
      }
    }
  };
  await Promise.all([...Array.from({ length: options.concurrency }, (_, i) => worker(i)), ...Array.from({ length: options.calls ?? 1 }, (_, i) => caller(i))]);
  clearInterval(timer);
  await server.close();
  await uas.stop();
  delay.disable();
  // descriptors of closed sockets are released on the next turns of the loop
  let finalFds = openFds();
  for (let i = 0; i < 150 && finalFds > idleFds; i++) {
    await new Promise((r) => setTimeout(r, 100));
    finalFds = openFds();
  }
  sample();
  return { samples, idleFds, finalFds, errors, cycles, calls };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 60);
  const concurrency = Number(process.argv[3] ?? 8);
  const calls = Number(process.argv[4] ?? 2);
  console.log("t(s)  rss(MB)  fds  loop p99(ms)  streams");
  const result = await runSoak({ durationMs: seconds * 1000, concurrency, calls, sampleMs: 5000, onSample: (s) => console.log(`${String(s.atS).padStart(4)}  ${String(s.rssMb).padStart(7)}  ${String(s.fds).padStart(4)}  ${String(s.loopDelayP99Ms).padStart(12)}  ${String(s.streams).padStart(7)}`) });
  console.log(`cycles ${result.cycles}; calls ${result.calls}; descriptors before start ${result.idleFds} -> after stop ${result.finalFds}; errors ${JSON.stringify(result.errors)}`);
}
