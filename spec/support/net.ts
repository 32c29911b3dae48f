import { connect, createServer } from "node:net";
import { createSocket } from "node:dgram";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolvePort(port));
    });
  });
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
    s.once("error", () => done(true));
    s.bind(port, "127.0.0.1", () => s.close(() => done(false)));
  });
}
