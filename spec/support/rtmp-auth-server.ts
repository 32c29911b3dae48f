/**
 * A small RTMP ingest server that demands authentication the way Adobe Media Server (authmod=adobe)
 * and Limelight (authmod=llnw) do, as publicly described and as FFmpeg's rtmpproto.c and Wowza's
 * docs show the exchange. Written from those descriptions, not from src/rtmp/client/auth.ts, so it
 * can check our answers (and FFmpeg's, as a control).
 *
 * Every round is a new TCP connection whose `connect` app carries what the client knows so far:
 *
 *   1. app "live"                              -> _error "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "
 *   2. app "live?authmod=adobe&user=U"         -> _error "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O"
 *   3. app "live?authmod=adobe&user=U&challenge=C2&response=R&opaque=O"
 *        R == base64(md5(base64(md5(U + S + password)) + O + C2))   (C in place of O when no opaque)
 *      -> _result NetConnection.Connect.Success, else ?reason=authfailed (unknown user: ?reason=nosuchuser)
 *
 *   llnw: round 2 answers "?reason=needauth&user=U&nonce=N"; round 3 brings nonce, cnonce, nc and
 *        response = md5hex(HA1 ":" N ":" nc ":" cnonce ":auth:" HA2) with HA1 = md5hex(U ":live:" password)
 *        and HA2 = md5hex("publish:/" app), app + "/_definst_" when the app has no instance.
 *
 * After a successful connect it accepts releaseStream/FCPublish/createStream/publish and counts media.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { Amf0Value } from "../../src/flv/amf0.ts";
import { LIMIT_TYPE } from "../../src/rtmp/messages.ts";
import { CSID, RtmpConnection } from "../../src/rtmp/session/connection.ts";
import type { CommandMessage } from "../../src/rtmp/session/events.ts";
import { statusObject } from "../../src/rtmp/session/status.ts";

export type AuthMod = "adobe" | "llnw";

export interface AuthServerOptions {
  readonly authmod: AuthMod;
  /** user -> password */
  readonly users: Readonly<Record<string, string>>;
  /** random tokens (salt, challenge, opaque, nonce); default 8 random hex digits */
  readonly random?: () => string;
}

/** One connect the server saw and what it answered. */
export interface ConnectAttempt {
  readonly app: string;
  readonly tcUrl: string;
  /** "need-auth", "challenge", "accepted", "authfailed", "nosuchuser", "bad-request" */
  readonly outcome: string;
  readonly description: string;
}

export interface Publication {
  readonly app: string;
  readonly name: string;
  video: number;
  audio: number;
  data: number;
}

const md5 = (s: string) => createHash("md5").update(s, "utf8");

/**
 * The query of a connect app as FMS reads it: split at "&" and the first "=", nothing decoded. (Not
 * URLSearchParams: an adobe response is base64 and its "+" must not turn into a space.)
 */
function readQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    out.set(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? "" : pair.slice(eq + 1));
  }
  return out;
}
const REJECT = "[ AccessManager.Reject ] : ";

export class RtmpAuthServer {
  readonly connects: ConnectAttempt[] = [];
  readonly publications: Publication[] = [];
  port = 0;
  private readonly options: AuthServerOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<RtmpConnection>();
  /** adobe: salt per user (fixed for the server's life); challenge/opaque and llnw nonces issued */
  private readonly salts = new Map<string, string>();
  private readonly issued = new Set<string>();

  private constructor(options: AuthServerOptions) {
    this.options = options;
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: AuthServerOptions): Promise<RtmpAuthServer> {
    const s = new RtmpAuthServer(options);
    s.port = await new Promise<number>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(0, "127.0.0.1", () => resolve((s.server.address() as { port: number }).port));
    });
    return s;
  }

  url(path = "live"): string {
    return `rtmp://127.0.0.1:${this.port}/${path}`;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close(undefined, { now: true });
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private random(): string {
    return this.options.random?.() ?? randomBytes(4).toString("hex");
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const conn = new RtmpConnection({ role: "server", socket, handshakeTimeoutMs: 5000 });
    this.connections.add(conn);
    conn.once("close", () => this.connections.delete(conn));
    let app = "";
    let publication: Publication | undefined;
    conn.on("command", (cmd) => {
      switch (cmd.name) {
        case "connect":
          app = this.onConnect(conn, cmd) ?? "";
          return;
        case "createStream":
          conn.sendCommand("_result", cmd.transactionId, null, [1]);
          return;
        case "publish":
          publication = { app, name: String(cmd.args[0] ?? ""), video: 0, audio: 0, data: 0 };
          this.publications.push(publication);
          conn.sendCommand("onStatus", 0, null, [statusObject("status", "NetStream.Publish.Start", `${publication.name} is now published.`)], cmd.messageStreamId, CSID.data);
          return;
        default:
          return; // releaseStream, FCPublish, FCUnpublish, deleteStream: nothing to answer
      }
    });
    conn.on("video", () => publication && publication.video++);
    conn.on("audio", () => publication && publication.audio++);
    conn.on("data", () => publication && publication.data++);
  }

  /** Answers one connect; returns the app (without query) when the client is let in. */
  private onConnect(conn: RtmpConnection, cmd: CommandMessage): string | undefined {
    const object = (cmd.commandObject ?? {}) as Record<string, Amf0Value>;
    const rawApp = typeof object.app === "string" ? object.app : "";
    const tcUrl = typeof object.tcUrl === "string" ? object.tcUrl : "";
    const q = rawApp.indexOf("?");
    const app = (q < 0 ? rawApp : rawApp.slice(0, q)).replace(/\/$/, "");
    const params = readQuery(q < 0 ? "" : rawApp.slice(q + 1));
    const authmod = this.options.authmod;
    const reject = (outcome: string, description: string) => {
      this.connects.push({ app: rawApp, tcUrl, outcome, description });
      conn.sendCommand("_error", cmd.transactionId, null, [statusObject("error", "NetConnection.Connect.Rejected", description)]);
      conn.close();
      return undefined;
    };
    if (params.get("authmod") !== authmod) return reject("need-auth", `${REJECT}[ code=403 need auth; authmod=${authmod} ] : `);
    const user = params.get("user") ?? "";
    const password = this.options.users[user];
    if (password === undefined) return reject("nosuchuser", `${REJECT}[ authmod=${authmod} ] : ?reason=nosuchuser`);
    const answered = params.has("response");
    if (!answered) {
      if (authmod === "adobe") {
        let salt = this.salts.get(user);
        if (!salt) this.salts.set(user, (salt = this.random()));
        const challenge = this.random();
        const opaque = this.random();
        this.issued.add(`${challenge}/${opaque}`);
        return reject("challenge", `${REJECT}[ authmod=adobe ] : ?reason=needauth&user=${user}&salt=${salt}&challenge=${challenge}&opaque=${opaque}`);
      }
      const nonce = this.random();
      this.issued.add(nonce);
      // the user is echoed as in the adobe challenge: FFmpeg takes the user of its llnw answer from here
      return reject("challenge", `${REJECT}[ authmod=llnw ] : ?reason=needauth&user=${user}&nonce=${nonce}`);
    }
    const ok = authmod === "adobe" ? this.checkAdobe(user, password, params) : this.checkLlnw(user, password, app, params);
    if (!ok) return reject("authfailed", `${REJECT}[ authmod=${authmod} ] : ?reason=authfailed`);
    this.connects.push({ app: rawApp, tcUrl, outcome: "accepted", description: "" });
    conn.sendControl({ type: "WindowAckSize", size: 2_500_000 });
    conn.sendControl({ type: "SetPeerBandwidth", size: 2_500_000, limitType: LIMIT_TYPE.dynamic });
    conn.sendCommand("_result", cmd.transactionId, { fmsVer: "FMS/3,5,7,7009", capabilities: 31 }, [
      statusObject("status", "NetConnection.Connect.Success", "Connection succeeded.", { objectEncoding: 0 }),
    ]);
    return app;
  }

  private checkAdobe(user: string, password: string, p: Map<string, string>): boolean {
    const salt = this.salts.get(user);
    const opaque = p.get("opaque");
    // the opaque names the challenge we issued with it
    const issued = [...this.issued].find((k) => k.endsWith(`/${opaque}`));
    if (!salt || !opaque || !issued) return false;
    this.issued.delete(issued);
    const clientChallenge = p.get("challenge") ?? "";
    const hash1 = md5(user + salt + password).digest("base64");
    const expected = md5(hash1 + opaque + clientChallenge).digest("base64");
    return p.get("response") === expected;
  }

  private checkLlnw(user: string, password: string, app: string, p: Map<string, string>): boolean {
    const nonce = p.get("nonce") ?? "";
    if (!this.issued.delete(nonce)) return false;
    const ha1 = md5(`${user}:live:${password}`).digest("hex");
    const ha2 = md5(`publish:/${app}${app.includes("/") ? "" : "/_definst_"}`).digest("hex");
    const expected = md5(`${ha1}:${nonce}:${p.get("nc") ?? ""}:${p.get("cnonce") ?? ""}:auth:${ha2}`).digest("hex");
    return p.get("response") === expected;
  }
}
