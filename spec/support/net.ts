import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect, createServer } from "node:net";
import { createSocket } from "node:dgram";
import { mediaPortRange, portRegion } from "./media-ports.ts";

/**
 * Ports for the tests' own listeners (and those of the programs they start) come from this process's
 * region below the kernel's ephemeral range (media-ports.ts), never from a bind to port 0: the kernel
 * gives ports of its range to every bind to port 0 and every outgoing connection, and may give one
 * it has just freed, so a port read from a bind to port 0 and handed on could be taken before its
 * listener bound it. Seen in whole-suite runs: a cluster node given the same port for http and ws
 * (e2e/cluster-edge), and nginx-rtmp's port taken by the test's own hook server, which bound port 0
 * meanwhile (e2e/webrtc-rtmp-start: nginx could not bind, our transponder met an HTTP server).
 */
let nextTcp = 0;

/** Whether a listener can bind 127.0.0.1:`port` over TCP now. */
function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** A TCP port on 127.0.0.1, free a moment ago, from this process's region: the next one in turn that is free. */
export async function freeTcpPort(): Promise<number> {
  const { first, size } = portRegion();
  for (let tried = 0; tried < size; tried++) {
    const port = first + (nextTcp++ % size);
    if (await tcpPortFree(port)) return port;
  }
  throw new Error(`no free TCP port in this test process's region ${first}..${first + size - 1}`);
}

/** A UDP port on 127.0.0.1, free a moment ago, from this process's region (taken in turn with the media ranges). */
export async function freeUdpPort(): Promise<number> {
  const { size } = portRegion();
  for (let tried = 0; tried < size / 2; tried++) {
    const port = mediaPortRange(2).media_port_from;
    if (!(await portTaken(port))) return port;
  }
  throw new Error("no free UDP port in this test process's region");
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
