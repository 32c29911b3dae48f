/**
 * Test support: an RtmpConnection pair (client + server) over a real loopback socket, and a raw
 * socket to a listening server for feeding hand-made bytes.
 */
import { connect, createServer, type Socket } from "node:net";
import { RtmpConnection, type RtmpConnectionOptions } from "../../../src/rtmp/session/connection.ts";

export interface ConnectionPair {
  client: RtmpConnection;
  server: RtmpConnection;
  close(): Promise<void>;
}

type Extra = Omit<RtmpConnectionOptions, "role" | "socket">;

/** Starts a one-shot listener, connects a client; resolves when both handshakes are done. */
export async function connectionPair(clientOptions: Extra = {}, serverOptions: Extra = {}): Promise<ConnectionPair> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<RtmpConnection>((resolve) =>
    listener.once("connection", (socket) => resolve(new RtmpConnection({ role: "server", socket, ...serverOptions }))),
  );
  const client = new RtmpConnection({ role: "client", socket: connect(port, "127.0.0.1"), ...clientOptions });
  const server = await accepted;
  await Promise.all([client.isOpen || new Promise((r) => client.once("handshake", () => r(true))), server.isOpen || new Promise((r) => server.once("handshake", () => r(true)))]);
  return {
    client,
    server,
    async close() {
      client.close(undefined, { now: true });
      server.close(undefined, { now: true });
      await new Promise<void>((r) => listener.close(() => r()));
    },
  };
}

/** A listener whose accepted sockets become server RtmpConnections; `raw()` opens a plain socket to it. */
export async function rawToServer(serverOptions: Extra = {}): Promise<{ server: Promise<RtmpConnection>; raw: Socket; close(): Promise<void> }> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const port = (listener.address() as { port: number }).port;
  const server = new Promise<RtmpConnection>((resolve) =>
    listener.once("connection", (socket) => resolve(new RtmpConnection({ role: "server", socket, ...serverOptions }))),
  );
  const raw = connect(port, "127.0.0.1");
  raw.on("error", () => {});
  await new Promise((r) => raw.once("connect", r));
  return {
    server,
    raw,
    async close() {
      raw.destroy();
      (await server).close(undefined, { now: true });
      await new Promise<void>((r) => listener.close(() => r()));
    },
  };
}
