/**
 * Connections per client address on a listener (`max_connections_per_address`): one host cannot
 * take every descriptor of the process (1,100 sockets under a limit of 1,024 once made REST and
 * RTMP fail for everyone). Sockets over the limit are closed at once; the first refusal of a burst
 * is logged.
 */
import type { Server } from "node:net";
import type { Logger } from "./log.ts";

export function limitConnectionsPerAddress(server: Server, max: number, what: string, log: Logger): void {
  const open = new Map<string, number>();
  const warned = new Set<string>();
  server.on("connection", (socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      if (!warned.has(address)) log.warn(`${what}: connection refused, ${max} open from this address (max_connections_per_address)`, { address });
      warned.add(address);
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
      if (left < max) warned.delete(address);
    });
  });
}
