/**
 * The signaling listener: a WebSocket server (ws, or wss over node:https) on any path, one
 * SignalingSession per socket. It owns the sockets; sessions own the protocol. `ws` loads with the
 * first WebSocket upgrade, not at start: an idle node saves its 10 MB.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { limitConnectionsPerAddress } from "../../connection-limit.ts";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { CLOSE_GRACE_MS, MAX_FRAME_CHARS, MAX_SEND_BACKLOG_BYTES, MESSAGE_BURST, MESSAGES_PER_SECOND } from "./limits.ts";
import { INFO } from "./messages.ts";
import type { SessionTransport, SignalingSession } from "./session.ts";

export interface SignalingServerOptions {
  readonly host: string;
  /** 0 picks a free port */
  readonly port: number;
  /** PEM pair: serve wss instead of ws */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly createSession: (transport: SessionTransport, remote: string) => SignalingSession;
  readonly log: Logger;
  /** sessions at once on this listener; more are closed with 1013 */
  readonly maxSessions?: number;
  /** open sockets one client address may hold */
  readonly maxConnectionsPerAddress?: number;
}

export interface SignalingServer {
  readonly port: number;
  /** live sessions */
  readonly sessions: ReadonlySet<SignalingSession>;
  /** Ends every session (`reason` to their streams) and stops listening. */
  close(reason?: string): Promise<void>;
}

/** RFC 6455 7.4.1: "an endpoint is terminating the connection because it has received a message that violates its policy". */
const POLICY_VIOLATION = 1008;
/** RFC 6455 / IANA 1013: "Try Again Later", the server is overloaded. */
const TRY_AGAIN_LATER = 1013;
/** RFC 6455 7.4.1: the server is going down */
const GOING_AWAY = 1001;

/** A token bucket: `burst` messages at once, refilled at `perSecond`. */
class MessageRate {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

export async function startSignalingServer(options: SignalingServerOptions): Promise<SignalingServer> {
  const http: HttpServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  // Plain HTTP requests to the port get a short answer instead of hanging.
  http.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket signaling endpoint\n");
  });
  const sessions = new Set<SignalingSession>();
  const log = options.log;
  if (options.maxConnectionsPerAddress) limitConnectionsPerAddress(http, options.maxConnectionsPerAddress, "signaling", log);

  const onConnection = (socket: WebSocket, req: IncomingMessage) => {
    const remote = `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? 0}`;
    if (options.maxSessions !== undefined && sessions.size >= options.maxSessions) {
      log.warn("signaling session refused: max_websocket_sessions reached", { remote, max: options.maxSessions });
      return socket.close(TRY_AGAIN_LATER, `the server holds ${options.maxSessions} sessions (max_websocket_sessions)`);
    }
    const closeForPolicy = (reason: string) => {
      if (socket.readyState !== socket.OPEN) return;
      log.warn("signaling socket closed by a limit", { remote, reason });
      socket.close(POLICY_VIOLATION, reason);
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    };
    const transport: SessionTransport = {
      send: (text) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_SEND_BACKLOG_BYTES) return closeForPolicy(`send backlog over ${MAX_SEND_BACKLOG_BYTES} bytes: the client does not read`);
        socket.send(text);
      },
      close: (code, reason) => socket.close(code, reason),
    };
    const rate = new MessageRate(MESSAGES_PER_SECOND, MESSAGE_BURST);
    const session = options.createSession(transport, remote);
    sessions.add(session);
    log.debug("signaling socket open", { session: session.id, remote });
    socket.on("message", (data: RawData, isBinary: boolean) => {
      if (socket.readyState !== socket.OPEN) return;
      if (!rate.take()) return closeForPolicy(`more than ${MESSAGES_PER_SECOND} messages a second`);
      if (isBinary) return session.receiveBinary();
      session.receive(rawToString(data));
    });
    socket.on("error", (err) => log.debug("signaling socket error", { session: session.id, error: errorMessage(err) }));
    socket.on("close", () => {
      sessions.delete(session);
      session.close(INFO.SESSION_DISCONNECT);
      log.debug("signaling socket closed", { session: session.id, remote });
    });
  };
  let wss: WebSocketServer | undefined;
  let loading: Promise<WebSocketServer> | undefined;
  const wsServer = () =>
    (loading ??= import("ws").then(({ WebSocketServer }) => {
      wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_CHARS * 4 });
      wss.on("connection", onConnection);
      wss.on("error", (err) => log.error("signaling server error", { error: errorMessage(err) }));
      return wss;
    }));
  http.on("upgrade", (req, socket, head) => {
    wsServer().then(
      (server) => server.handleUpgrade(req, socket, head, (ws) => server.emit("connection", ws, req)),
      (err: unknown) => {
        log.error("signaling server error", { error: errorMessage(err) });
        socket.destroy();
      },
    );
  });

  const port = await new Promise<number>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve((http.address() as AddressInfo).port);
    });
  });

  return {
    port,
    sessions,
    async close(reason = "Server shutdown") {
      for (const session of [...sessions]) session.close(reason);
      sessions.clear();
      // a closing handshake after the sessions' last frames, so a peer (another server's agent)
      // tells a shutdown from a dropped connection; terminated if it does not answer in time
      const closing = [...(wss?.clients ?? [])].map((client) => new Promise<void>((resolve) => {
        if (client.readyState === client.CLOSED) return resolve();
        client.once("close", () => resolve());
        client.close(GOING_AWAY, reason);
        setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
      }));
      await Promise.all(closing);
      await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
