/**
 * The embedded RTMP server: a TCP listener whose every connection becomes an RtmpConnection with
 * a ServerSession. A misbehaving peer ends only its own connection (the connection logs why);
 * `close()` ends every connection and the listener.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { limitConnectionsPerAddress } from "../../connection-limit.ts";
import { createLogger, type Logger } from "../../log.ts";
import { RtmpConnection } from "../session/connection.ts";
import type { RtmpServerHandler } from "./handler.ts";
import { ServerSession } from "./server-session.ts";

export interface RtmpServerOptions {
  readonly handler: RtmpServerHandler;
  /** config `rtmp.handshake_timeout` */
  readonly handshakeTimeoutMs?: number;
  /** config `rtmp.max_message_size` */
  readonly maxMessageSize?: number;
  /** open connections one client address may hold (extra ones are closed at once) */
  readonly maxConnectionsPerAddress?: number;
  readonly log?: Logger;
}

export class RtmpServer {
  private readonly server: Server;
  private readonly options: RtmpServerOptions;
  private readonly log: Logger;
  private readonly sessions = new Set<ServerSession>();

  constructor(options: RtmpServerOptions) {
    this.options = options;
    this.log = options.log ?? createLogger("rtmp.server");
    this.server = createServer((socket) => this.accept(socket));
    this.server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    if (options.maxConnectionsPerAddress) limitConnectionsPerAddress(this.server, options.maxConnectionsPerAddress, "rtmp", this.log);
  }

  /** Open connections. */
  get connections(): number {
    return this.sessions.size;
  }

  listen(port: number, host = "0.0.0.0"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sessions) s.connection.close(undefined, { now: true });
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = new RtmpConnection({
      role: "server",
      socket,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      maxMessageSize: this.options.maxMessageSize,
      log: this.log,
    });
    const session = new ServerSession({ connection, handler: this.options.handler, log: this.log.child(`conn${connection.id}`) });
    this.sessions.add(session);
    connection.once("close", () => this.sessions.delete(session));
  }
}
