/**
 * Opens the TCP (or TLS for rtmps://) connection to an RTMP target and completes the handshake:
 * shared by the publisher and the player. `connectError` turns a failure into the caller's error.
 */
import { connect as netConnect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { connect as tlsConnect, rootCertificates } from "node:tls";
import type { Logger } from "../../log.ts";
import { RtmpConnection } from "../session/connection.ts";
import type { RtmpTarget } from "./url.ts";

export interface OpenOptions {
  /** ms for the TCP/TLS connect and the handshake */
  readonly timeoutMs: number;
  /** false accepts any TLS certificate (test servers) */
  readonly verifyTls: boolean;
  /** PEM file of a CA (or a self-signed certificate) to trust besides the system's */
  readonly ca?: string;
  readonly maxMessageSize?: number;
  readonly log: Logger;
}

/** The system's CAs plus the one in `caFile` (node replaces the defaults when `ca` is given). */
function trusted(caFile: string | undefined): { ca?: string[] } {
  if (!caFile) return {};
  return { ca: [...rootCertificates, readFileSync(caFile, "utf8")] };
}

export function openRtmpConnection(target: RtmpTarget, options: OpenOptions, connectError: (message: string, cause: Error) => Error): Promise<RtmpConnection> {
  const { host, port, secure } = target;
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const socket: Socket = secure
      ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: options.verifyTls, ...trusted(options.ca) })
      : netConnect({ host, port });
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectError(`cannot connect to ${host}:${port}: ${err.message}`, err));
    };
    let tcpConnected = false;
    let secured = false;
    socket.once("connect", () => (tcpConnected = true));
    if (secure) socket.once("secureConnect", () => (secured = true));
    const silence = () =>
      secure && tcpConnected && !secured
        ? new Error(`the TLS handshake got no answer within ${timeoutMs} ms: port ${port} may be plain RTMP (use rtmp:// for it)`)
        : new Error(`no answer within ${timeoutMs} ms`);
    const timer = setTimeout(() => fail(silence()), timeoutMs);
    socket.once("error", fail);
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.off("error", fail);
      const conn = new RtmpConnection({ role: "client", socket, handshakeTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs, maxMessageSize: options.maxMessageSize, log: options.log });
      const early = (reason: Error | undefined) => fail(reason ?? new Error("closed during the handshake"));
      conn.once("close", early);
      conn.once("handshake", () => {
        clearTimeout(timer);
        conn.off("close", early);
        resolve(conn);
      });
    });
  });
}
