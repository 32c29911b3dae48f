/**
 * `transpond conform client --listen`: a server that checks the encoders and players that connect
 * to it, one report per connection when it ends.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { ConformReport } from "../report.ts";
import { judgeSession } from "./checks.ts";
import { CheckedSession } from "./session.ts";

export interface ClientCheckerOptions {
  /** Window Acknowledgement Size announced to clients (default 250000, so players reach it) */
  readonly windowAckSize?: number;
  readonly onReport: (report: ConformReport) => void;
}

export class ClientChecker {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: ClientCheckerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const session = new CheckedSession(socket, this.options.windowAckSize ?? 250000);
    void session.closed.then(() => {
      this.sockets.delete(socket);
      this.options.onReport(judgeSession(session.record));
    });
  }
}
