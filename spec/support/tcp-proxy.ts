/**
 * A loopback TCP proxy a test can cut and heal: it stands between one client and its server (a
 * cluster node and Redis) to cut that one node off while everything else still reaches the server.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  private readonly server: Server;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => this.relay(client, targetPort));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  private relay(client: Socket, targetPort: number): void {
    if (this.cutOff) return void client.destroy();
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every connection and refuses new ones until `heal`. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  /**
   * Drops every connection and stops listening until `heal`: the client's connects are refused, as
   * they are by a stopped server, so its reconnect back-off grows as it would then.
   */
  async unplug(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  heal(): void {
    this.cutOff = false;
    if (!this.server.listening) this.server.listen(this.port, "127.0.0.1");
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.unplug();
  }
}
