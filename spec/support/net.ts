import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect, createServer } from "node:net";
import { createSocket } from "node:dgram";

/**
 * The ports freeTcpPort/freeUdpPort have handed out in this process. The kernel may give a port it
 * has just freed to the next bind to port 0, so one test asking for three ports (a node's http, ws and
 * rtmp) could be given the same one twice, and its second listener would find it taken (seen once in
 * 17 whole-suite runs: e2e/cluster-edge, ws.port = http.port).
 */
const handedOut = { tcp: new Set<number>(), udp: new Set<number>() };
const ATTEMPTS = 100;

/** A port from `pick` that is not in `given` (which then holds it). */
export async function portNotGivenBefore(pick: () => Promise<number>, given: Set<number>): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = await pick();
    if (given.has(port)) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no port in ${ATTEMPTS} tries that this process had not been given already`);
}

function pickTcpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function pickUdpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", (err) => (socket.close(), reject(err)));
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolvePort(port));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago and was not handed out before in this process. */
export function freeTcpPort(): Promise<number> {
  return portNotGivenBefore(pickTcpPort, handedOut.tcp);
}

/** A UDP port on 127.0.0.1 that was free a moment ago and was not handed out before in this process. */
export function freeUdpPort(): Promise<number> {
  return portNotGivenBefore(pickUdpPort, handedOut.udp);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Whether something listens on 127.0.0.1:`port`: a TCP connect succeeds, or a UDP bind fails. */
export function portTaken(port: number, tcp = false): Promise<boolean> {
  if (tcp) {
    return new Promise((done) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), done(true)));
      s.once("error", () => done(false));
    });
  }
  return new Promise((done) => {
    const s = createSocket("udp4");
    // a socket whose bind failed still holds a handle until closed
    s.once("error", () => (s.close(), done(true)));
    s.bind(port, "127.0.0.1", () => s.close(() => done(false)));
  });
}

/**
 * Whether a TCP socket listens on 127.0.0.1:`port`, read from /proc/net/tcp: for servers that take
 * one connection only (ffmpeg -listen 1, the conform client checker with --sessions), where a probe
 * connection would use up what the test needs.
 */
export function listensOn(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8").split("\n").some((line) => {
    const [, local, , state] = line.trim().split(/\s+/);
    return local === `0100007F:${hex}` && state === "0A";
  });
}

/** UDP sockets this process holds open (its descriptors whose inode /proc/net/udp and udp6 list). */
export function openUdpSockets(): number {
  const inodes = new Set(
    ["/proc/self/net/udp", "/proc/self/net/udp6"].flatMap((table) => readFileSync(table, "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/)[9] ?? "")),
  );
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && inodes.has(inode)) count++;
    } catch {
      // the descriptor closed while listing
    }
  }
  return count;
}
