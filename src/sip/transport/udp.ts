/**
 * SIP over UDP (RFC 3261 18): one socket bound to a local address, one message per datagram.
 * Datagrams of only CRLF (keep-alives, RFC 5626 3.5.1) are ignored.
 */
import { createSocket, type Socket } from "node:dgram";
import { ParseError } from "../../errors.ts";
import { SIP_ERR, SIP_PARSE_ERR, SipError } from "../errors.ts";
import type { SipMessage } from "../messages.ts";
import { decodeSipMessage } from "../message/parse.ts";
import { encodeSipMessage } from "../message/serialize.ts";
import type { SipLimits } from "../message/limits.ts";
import { stampVia, type Endpoint, type SipTransport, type SipTransportDelegate } from "./transport.ts";

export class UdpTransport implements SipTransport {
  readonly protocol = "UDP";
  readonly reliable = false;
  private delegate: SipTransportDelegate | undefined;

  private constructor(private readonly socket: Socket, readonly local: Endpoint, private readonly limits?: SipLimits) {
    socket.on("message", (bytes, rinfo) => this.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { host: rinfo.address, port: rinfo.port }));
  }

  /** Binds a UDP socket (port 0: the OS picks one). */
  static listen(host: string, port = 0, limits?: SipLimits): Promise<UdpTransport> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
      // a socket whose bind failed still holds a handle until closed
      const failed = (err: Error) => (socket.close(), reject(err));
      socket.once("error", failed);
      socket.bind(port, host, () => {
        socket.off("error", failed);
        socket.on("error", () => undefined);
        const address = socket.address();
        resolve(new UdpTransport(socket, { host, port: address.port }, limits));
      });
    });
  }

  attach(delegate: SipTransportDelegate): void {
    this.delegate = delegate;
  }

  send(message: SipMessage, to: Endpoint): void {
    try {
      this.socket.send(encodeSipMessage(message), to.port, to.host);
    } catch (err) {
      throw new SipError(SIP_ERR.TRANSPORT, `UDP send to ${to.host}:${to.port} failed`, { cause: err });
    }
  }

  private receive(bytes: Uint8Array, from: Endpoint): void {
    let message: SipMessage;
    try {
      message = decodeSipMessage(bytes, this.limits ? { limits: this.limits } : {});
    } catch (err) {
      if (err instanceof ParseError) {
        if (err.code !== SIP_PARSE_ERR.EMPTY) this.delegate?.onParseError?.(err, bytes, from);
        return;
      }
      throw err;
    }
    this.delegate?.onMessage(message.type === "request" ? stampVia(message, from) : message, from);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
