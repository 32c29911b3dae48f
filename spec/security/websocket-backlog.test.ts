/**
 * Issue 14, attack 4 (send side) on the wire: a WebSocket client that never reads grew the server
 * to 583 MB in 10 s. A raw client against a separate server process stops reading and, within the
 * message rate, asks for ~45 MB of answers (playStream before `connection` is answered with a
 * status event that echoes the request's `custom`). The server closes the socket once 4 MiB are
 * queued and drops the rest: when the client reads again it gets what was queued (far less than
 * asked), then 1008 and the reason. Peak RSS is only a generous bound against a runaway (on this
 * loaded host it grew 47-78 MB with the limit, 87-107 MB without: parsing the requests costs most
 * of it until the collector runs); the bytes queued are the exact proof. A REST call made during
 * the flood is answered.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import WebSocket from "ws";
import { freeTcpPort, sleep, waitFor } from "../support/net.ts";

const test = suite("security/websocket-backlog");
const ROOT = resolve(import.meta.dirname, "../..");
const PAD = "x".repeat(240 * 1024);
const REQUESTS = 190; // under the burst of 200: only the backlog limit may close this client
const ASKED_BYTES = REQUESTS * PAD.length;
/** generous: parsing ~45 MB of requests alone costs 45-80 MB of peak RSS before the collector runs */
const MAX_RSS_GROWTH_MB = 200;

interface Server {
  readonly process: ChildProcess;
  readonly dir: string;
  readonly http: number;
  readonly ws: number;
  output: string;
}
const servers: Server[] = [];
const clients: WebSocket[] = [];

test.after.each(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const server of servers.splice(0)) {
    const child = server.process;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
});

/** kB from /proc/<pid>/status (VmRSS now, VmHWM the peak). */
function memoryKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? NaN);
}

async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "transpond-ws-backlog-"));
  const http = await freeTcpPort();
  const ws = await freeTcpPort();
  const sets = { bind_address: "127.0.0.1", "http.port": http, "https.port": 0, "ws.port": ws, "wss.port": 0, "rtmp.port": 0, data_dir: join(dir, "data"), "media.workers": 1 };
  const child = spawn(process.execPath, ["bin/transpond.mjs", "start", ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`])], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const server: Server = { process: child, dir, http, ws, output: "" };
  servers.push(server);
  child.stdout!.on("data", (d: Buffer) => (server.output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (server.output += d.toString()));
  await waitFor("the server's REST API", async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${server.output}`);
    return (await fetch(`http://127.0.0.1:${http}/rest-api/stats`, { method: "POST" }).catch(() => undefined))?.status === 200 ? true : undefined;
  }, 30000, 100);
  return server;
}

async function connect(server: Server): Promise<{ client: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const client = new WebSocket(`ws://127.0.0.1:${server.ws}/`);
  clients.push(client);
  await new Promise((r, j) => (client.once("open", r), client.once("error", j)));
  const closed = new Promise<{ code: number; reason: string }>((r) => client.once("close", (code, reason) => r({ code, reason: reason.toString() })));
  return { client, closed };
}

function request(i: number): string {
  return JSON.stringify({ message: "playStream", data: [{ mediaSessionId: `m${i}`, name: "missing", sdp: "v=0", published: false, hasVideo: true, hasAudio: true, custom: { pad: PAD } }] });
}

test("a client that stops reading is closed with 1008 at a 4 MiB backlog; the rest is dropped; REST answers during the flood", async () => {
  const server = await startServer();
  const pid = server.process.pid!;
  const baseKb = memoryKb(pid, "VmRSS");
  const { client, closed } = await connect(server);
  client.pause();
  // in steps, so the server's garbage collector keeps up with the requests it parses
  for (let i = 0; i < REQUESTS; i++) {
    client.send(request(i));
    if (i % 10 === 9) await sleep(20);
  }
  const started = performance.now();
  const stats = fetch(`http://127.0.0.1:${server.http}/rest-api/stats`, { method: "POST" }).then((res) => ({ status: res.status, ms: performance.now() - started }));
  await waitFor("the server closing the socket for its backlog", () => (server.output.includes("send backlog over") ? true : undefined), 5000, 20).catch((err: Error) => {
    throw new Error(err.message + "\n" + server.output.slice(-3000));
  });
  let receivedBytes = 0;
  client.on("message", (data: Buffer) => (receivedBytes += data.length));
  client.resume();
  const { code, reason } = await closed;
  assert.is(code, 1008);
  assert.match(reason, "send backlog over 4194304 bytes");

  const growthMb = (memoryKb(pid, "VmHWM") - baseKb) / 1000;
  // what was queued for the client before the close: the 4 MiB backlog and the kernel's socket
  // buffers; a server that kept every answer would deliver all of them once the client reads
  assert.ok(receivedBytes < ASKED_BYTES / 2, `${receivedBytes} bytes of ${ASKED_BYTES} asked were queued for the client`);
  assert.ok(growthMb < MAX_RSS_GROWTH_MB, `peak RSS grew ${growthMb.toFixed(1)} MB for ${(ASKED_BYTES / 1e6).toFixed(0)} MB of answers asked`);
  const rest = await stats;
  assert.is(rest.status, 200, "another client's REST call, sent during the flood, is answered");
  assert.ok(rest.ms < 3000, `REST answered in ${rest.ms.toFixed(0)} ms during the flood`);
});

test.run();
