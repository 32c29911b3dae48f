/**
 * One WebSocket connection of the agent client to another WCS-compatible server, as the Web SDK
 * opens it: the socket on the URL as given, `connection` with the appKey, `getUserData` awaited;
 * then `ping` answered with `pong`, and the stream frames (setRemoteSDP, notifyStreamStatusEvent,
 * fail) routed by mediaSessionId to whoever sent that stream's request.
 *
 * wss:// checks the server's certificate unless told not to (`verifyTls`), trusting the system's
 * CAs plus an optional PEM file (`caFile`).
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { WebSocket } from "ws";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { CLIENT_MESSAGE } from "../signaling/messages.ts";
import { AGENT_ERR, AgentClientError } from "../errors.ts";
import { connectionPayload, decodeServerFrame, encodeClientFrame, PONG_FRAME, type ServerFrame } from "./messages.ts";

export interface ConnectionOptions {
  /** ws:// or wss:// (a password in it is never logged) */
  readonly url: string;
  readonly appKey?: string;
  readonly verifyTls: boolean;
  readonly caFile?: string;
  /** ms for the socket and getUserData */
  readonly timeoutMs: number;
  readonly log: Logger;
}

export type StreamFrame = Extract<ServerFrame, { type: "setRemoteSDP" | "status" | "fail" }>;

/** Node's codes for a certificate that did not verify. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME/;

export class AgentConnection {
  private readonly socket: WebSocket;
  private readonly log: Logger;
  private readonly streams = new Map<string, (frame: StreamFrame) => void>();
  private closeListeners: ((reason: string) => void)[] = [];
  private closed = false;
  private established = false;

  private constructor(socket: WebSocket, log: Logger) {
    this.socket = socket;
    this.log = log;
  }

  /** Opens the socket and establishes the session; rejects with AgentClientError. */
  static open(options: ConnectionOptions): Promise<AgentConnection> {
    const where = options.url.replace(/\/\/[^@/]*@/, "//");
    const tls = options.url.startsWith("wss:") ? { rejectUnauthorized: options.verifyTls, ...(options.caFile ? { ca: [...rootCertificates, readFileSync(options.caFile, "utf8")] } : {}) } : {};
    const socket = new WebSocket(options.url, { handshakeTimeout: options.timeoutMs, ...tls });
    const conn = new AgentConnection(socket, options.log);
    return new Promise((resolve, reject) => {
      const fail = (err: AgentClientError) => {
        clearTimeout(timer);
        socket.removeAllListeners("message");
        socket.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new AgentClientError(AGENT_ERR.TIMEOUT, `no getUserData from ${where} within ${options.timeoutMs} ms`, true)), options.timeoutMs);
      socket.once("error", (err: Error & { code?: string }) => {
        if (TLS_CODES.test(err.code ?? "")) {
          const hint = "set wcs_agent_ssl_verify=false, or wcs_agent_ssl_ca to a file with the server's certificate, to accept it";
          return fail(new AgentClientError(AGENT_ERR.TLS, `the certificate of ${where} did not verify: ${err.message} (${hint})`, false, { cause: err }));
        }
        fail(new AgentClientError(AGENT_ERR.CONNECT, `cannot connect to ${where}: ${err.message}`, true, { cause: err }));
      });
      socket.once("close", () => fail(new AgentClientError(AGENT_ERR.CONNECT, `${where} closed the WebSocket before the session was established`, true)));
      socket.once("open", () => socket.send(encodeClientFrame(CLIENT_MESSAGE.CONNECTION, connectionPayload(options.appKey ?? "defaultApp"))));
      socket.on("message", (data, binary) => {
        if (binary) return;
        let frame: ServerFrame;
        try {
          frame = decodeServerFrame(String(data));
        } catch (err) {
          return conn.log.warn("ignoring a malformed frame from the server", { error: errorMessage(err) });
        }
        if (frame.type === "getUserData" && !conn.established) {
          clearTimeout(timer);
          socket.removeAllListeners("error");
          socket.removeAllListeners("close");
          conn.established = true;
          conn.listen();
          resolve(conn);
          return;
        }
        conn.onFrame(frame);
      });
    });
  }

  send(message: string, payload: unknown): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(encodeClientFrame(message, payload));
  }

  /** Routes the frames of one stream (by mediaSessionId) to `handler`; returns the unsubscribe. */
  onStream(mediaSessionId: string, handler: (frame: StreamFrame) => void): () => void {
    this.streams.set(mediaSessionId, handler);
    return () => this.streams.delete(mediaSessionId);
  }

  /** The socket closed or failed (not after `close()`). */
  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Closes the socket (1000) after what was sent; no close listener is called. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.streams.clear();
    this.socket.close(1000);
    const timer = setTimeout(() => this.socket.terminate(), 2000);
    timer.unref();
  }

  private listen(): void {
    this.socket.on("error", (err) => this.lost(`WebSocket error: ${err.message}`));
    this.socket.on("close", (code, reason) => this.lost(`the server closed the WebSocket (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.terminate();
    for (const l of this.closeListeners) l(reason);
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === "ping") {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(PONG_FRAME);
      return;
    }
    if (frame.type === "setRemoteSDP" || frame.type === "status" || frame.type === "fail") {
      const handler = frame.id === undefined ? undefined : this.streams.get(frame.id);
      if (handler) handler(frame);
      else this.log.debug("server frame for no stream of ours", { type: frame.type, info: frame.type === "fail" ? frame.info : undefined });
    }
  }
}
