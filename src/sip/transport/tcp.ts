/**
 * SIP over TCP (RFC 3261 18): a listening socket plus outgoing connections, one stream parser per
 * connection, connections found by the peer's address. Responses to a request go back on the
 * connection it came on (18.2.2); the core passes the request's source as the destination.
 * A parse error reports to the delegate (which may answer 400) and closes that connection.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { ParseError } from "../../errors.ts";
import { SIP_ERR, SipError } from "../errors.ts";
import type { SipMessage } from "../messages.ts";
import { encodeSipMessage } from "../message/serialize.ts";
import { SipStreamParser } from "../message/stream-parser.ts";
import type { SipLimits } from "../message/limits.ts";
import { stampVia, type Endpoint, type SipTransport, type SipTransportDelegate } from "./transport.ts";

const key = (e: Endpoint) => `${e.host}:${e.port}`;

export class TcpTransport implements SipTransport {
  readonly protocol = "TCP";
  readonly reliable = true;
  private delegate: SipTransportDelegate | undefined;
  private readonly connections = new Map<string, Socket>();

  private constructor(private readonly server: Server, readonly local: Endpoint, private readonly limits?: SipLimits) {
    server.on("connection", (socket) => {
      this.adopt(socket, { host: normalize(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 });
    });
  }

  static listen(host: string, port = 0, limits?: SipLimits): Promise<TcpTransport> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        const address = server.address();
        resolve(new TcpTransport(server, { host, port: typeof address === "object" && address ? address.port : port }, limits));
      });
    });
  }

  attach(delegate: SipTransportDelegate): void {
    this.delegate = delegate;
  }

  send(message: SipMessage, to: Endpoint): void {
    let socket = this.connections.get(key(to));
    if (!socket || socket.destroyed) {
      socket = connect({ host: to.host, port: to.port });
      this.adopt(socket, to);
    }
    try {
      socket.write(encodeSipMessage(message));
    } catch (err) {
      throw new SipError(SIP_ERR.TRANSPORT, `TCP send to ${key(to)} failed`, { cause: err });
    }
  }

  private adopt(socket: Socket, peer: Endpoint): void {
    const id = key(peer);
    this.connections.set(id, socket);
    const parser = new SipStreamParser(this.limits);
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      let messages: SipMessage[];
      try {
        messages = parser.push(bytes);
      } catch (err) {
        if (err instanceof ParseError) {
          this.delegate?.onParseError?.(err, bytes, peer);
          socket.end();
          return;
        }
        throw err;
      }
      for (const m of messages) this.delegate?.onMessage(m.type === "request" ? stampVia(m, peer) : m, peer);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (this.connections.get(id) === socket) this.connections.delete(id);
    });
  }

  close(): Promise<void> {
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function normalize(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
