/**
 * WebRTC ingest cost: N werift "browsers" in a child process publish the 480x270 30 fps H.264
 * fixture (~0.8 Mb/s) and 50 Opus packets/s each through Transpond's signaling server (the Web SDK's
 * message flow) into the hub. Prints, for each N, the server process's CPU per stream and the
 * frames the hub got against those sent (loss), and beside it the same figures for a plain werift
 * receiver (RTCPeerConnection, no jitter buffer/depacketizer/hub) on the same input, as a ratio.
 *
 *   node --import tsx bench/webrtc-publish.bench.ts [seconds] [N,N,...]
 */
import { fork } from "node:child_process";
import { RTCPeerConnection } from "werift";
import { startSignaling } from "../src/agent/index.ts";
import { peerConnectionOptions } from "../src/agent/webrtc/peer-config.ts";
import { defaultConfig, type Config } from "../src/config.ts";
import { StreamHub } from "../src/core/stream/hub.ts";
import { webrtcStreams } from "../src/core/ingest/webrtc-ingest.ts";
import { configureLogging, createLogger } from "../src/log.ts";
import { fixtureVideo, signaledPublisher, writeOpusForFrame, writeVideo } from "../spec/agent/support/werift-browser.ts";
import { freeTcpPort } from "../spec/support/net.ts";

const NET = { interfaceAddresses: ["127.0.0.1"], publicAddresses: [], portFrom: 42000, portTo: 42999 } as const;

/** Child: N publishers over the WebSocket API, real-time pacing, then report what was sent. */
async function child(url: string, n: number, seconds: number, mode: "transpond" | "werift"): Promise<void> {
  const { config, frames } = fixtureVideo(seconds * 30 + 1);
  const browsers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { browser: b, ws } = await signaledPublisher(url, `bench${i}`, { mode });
      return { b, ws, seq: { n: 1 } };
    }),
  );
  process.send!({ type: "connected" });
  const start = performance.now();
  let sent = 0;
  for (let i = 0; i < frames.length; i++) {
    const due = start + frames[i]!.dts - frames[0]!.dts;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const { b, seq } of browsers) {
      writeVideo(b.video, frames[i]!, config, seq);
      writeOpusForFrame(b.audio, i);
    }
    sent++;
  }
  process.send!({ type: "done", sent });
  await new Promise((r) => setTimeout(r, 500));
  for (const { b, ws } of browsers) {
    ws.close();
    await b.close();
  }
  process.exit(0);
}

/** The reference: answer with plain werift and count RTP packets, nothing else. */
function weriftOnlyEngine() {
  let packets = 0;
  return {
    get packets() {
      return packets;
    },
    engine: {
      async createPublisher(offerSdp: string, events: { connected(): void; failed(i: string): void }) {
        const pc = new RTCPeerConnection(peerConnectionOptions(NET));
        pc.connectionStateChange.subscribe((s) => s === "connected" && events.connected());
        pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => void packets++));
        await pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await new Promise<void>((r) => (pc.iceGatheringState === "complete" ? r() : pc.iceGatheringStateChange.subscribe((s) => s === "complete" && r())));
        return { answerSdp: pc.localDescription!.sdp, attach() {}, requestKeyframe() {}, close: () => void pc.close() };
      },
      async createPlayer(): Promise<never> {
        throw new Error("not used");
      },
    },
  };
}

async function run(n: number, seconds: number, mode: "transpond" | "werift"): Promise<{ cpuPerStream: number; sent: number; got: number }> {
  const config: Config = { ...defaultConfig(), bind_address: "127.0.0.1", "ws.port": await freeTcpPort(), "wss.port": 0, ice_interface_addresses: ["127.0.0.1"], media_port_from: NET.portFrom, media_port_to: NET.portTo, "keep_alive.server_interval": 0 };
  const hub = new StreamHub();
  const reference = weriftOnlyEngine();
  const signaling = await startSignaling({ config, streams: webrtcStreams(hub), log: createLogger("bench"), ...(mode === "werift" ? { engine: reference.engine } : {}) });
  const proc = fork(import.meta.filename, ["child", `ws://127.0.0.1:${signaling.ports.ws}`, String(n), String(seconds), mode], { execArgv: ["--import", "tsx"] });
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const sent = await new Promise<number>((resolve) => {
    proc.on("message", (m: { type: string; sent?: number }) => {
      if (m.type === "connected") {
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      } else if (m.type === "done") resolve(m.sent!);
    });
  });
  await new Promise((r) => setTimeout(r, 400));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const got = mode === "werift" ? reference.packets : hub.all().reduce((s, st) => s + st.frames.video, 0);
  await new Promise((r) => proc.once("exit", r));
  await signaling.close();
  hub.close("bench end");
  return { cpuPerStream: ((cpu.user + cpu.system) / 1000 / wall) * 100 / n, sent: sent * n, got };
}

if (process.argv[2] === "child") {
  configureLogging({ level: "error" });
  await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]), process.argv[6] as "transpond" | "werift");
} else {
  configureLogging({ level: process.env.BENCH_LOG === "debug" ? "debug" : "error" });
  const seconds = Number(process.argv[2] ?? 10);
  const counts = (process.argv[3] ?? "1,4,8").split(",").map(Number);
  console.log(`WebRTC publish ingest, ${seconds} s of 480x270 30 fps H.264 (~0.8 Mb/s) + Opus per publisher`);
  console.log("N   transpond CPU%/stream  frames got/sent   werift-only CPU%/stream  ratio");
  for (const n of counts) {
    const t = await run(n, seconds, "transpond");
    const w = await run(n, seconds, "werift");
    console.log(`${String(n).padEnd(3)} ${t.cpuPerStream.toFixed(1).padStart(20)}  ${`${t.got}/${t.sent}`.padStart(15)}   ${w.cpuPerStream.toFixed(1).padStart(22)}  ${(t.cpuPerStream / w.cpuPerStream).toFixed(2)}x`);
  }
}
