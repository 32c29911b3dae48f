/**
 * kamailio (Debian package) as a test registrar and proxy: a config in a temp folder, one free port
 * on 127.0.0.1 for UDP and TCP, no database. usrloc keeps the bindings in memory; the users and
 * passwords are written into the config script and checked with the auth module's
 * `pv_auth_check`; REGISTER and every new INVITE/MESSAGE/SUBSCRIBE need digest (401 for REGISTER,
 * 407 otherwise, kamailio's own choice in `auth_challenge`); INVITEs are record-routed and relayed
 * to the callee's registered contact; in-dialog requests follow the Route set. The domain
 * `127.0.0.1` on any port counts as kamailio's own (a WCS-style request has `sipDomain` without
 * the port and `sipOutboundProxy` + `sipPort` as the next hop).
 *
 *   const kamailio = await Kamailio.start({ users: [{ user: "alice", password: "a" }] });
 *   ... register to kamailio.domain, call `sip:bob@${kamailio.domain}` ...
 *   kamailio.events()  // what the script did, in order: "challenge REGISTER", "authorized INVITE alice", ...
 *   await kamailio.stop();
 *
 * kamailio runs in the foreground (`-D -E`) as the leader of its own process group, so `stop()`
 * (SIGTERM, then SIGKILL to the group) leaves none of its worker processes behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeUdpPort, waitFor } from "./net.ts";
import { keepOutput } from "./test-log.ts";

export const KAMAILIO_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/";

export interface KamailioUser {
  readonly user: string;
  readonly password: string;
}

export interface KamailioOptions {
  readonly users: readonly KamailioUser[];
  /** digest realm (default "transpond.test") */
  readonly realm?: string;
}

/** A final response seen by `options()`: status and reason, and the raw text. */
export interface SipReply {
  readonly status: number;
  readonly reason: string;
  readonly text: string;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const TOKEN = /^[A-Za-z0-9._~-]+$/;

const BIND_ATTEMPTS = 5;

class PortTakenError extends Error {
  constructor(port: number) {
    super(`kamailio could not bind 127.0.0.1:${port}: another process took it`);
  }
}

export class Kamailio {
  readonly dir: string;
  readonly port: number;
  readonly realm: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private output = "";

  private constructor(dir: string, port: number, realm: string, child: ChildProcess) {
    this.dir = dir;
    this.port = port;
    this.realm = realm;
    this.child = child;
    live.add(child);
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString("utf8")));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString("utf8")));
    keepOutput(`kamailio on port ${port}`, () => this.output);
    this.exited = new Promise((resolve) => child.once("exit", () => (live.delete(child), resolve())));
  }

  static async start(options: KamailioOptions): Promise<Kamailio> {
    const realm = options.realm ?? "transpond.test";
    for (const u of options.users) {
      if (!TOKEN.test(u.user) || !TOKEN.test(u.password)) throw new Error(`kamailio test user ${JSON.stringify(u.user)}: use letters, digits and ._~- only`);
    }
    // kamailio cannot listen on port 0 and tell us the port, so a port found free is tried, and
    // another one only when some other process bound it first (kamailio then exits at its bind)
    for (let attempt = 1; ; attempt++) {
      try {
        return await Kamailio.startOn(await freeUdpPort(), realm, options.users);
      } catch (err) {
        if (!(err instanceof PortTakenError) || attempt === BIND_ATTEMPTS) throw err;
      }
    }
  }

  private static async startOn(port: number, realm: string, users: readonly KamailioUser[]): Promise<Kamailio> {
    const dir = mkdtempSync(join(tmpdir(), "transpond-kamailio-"));
    mkdirSync(join(dir, "run"));
    const cfg = join(dir, "kamailio.cfg");
    writeFileSync(cfg, config(port, realm, users));
    const child = spawn("kamailio", ["-f", cfg, "-D", "-E", "-n", "1", "-Y", join(dir, "run")], { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const kamailio = new Kamailio(dir, port, realm, child);
    try {
      await waitFor("kamailio to answer OPTIONS", async () => {
        if (child.exitCode !== null) {
          if (/bind\(.*Address already in use/.test(kamailio.log)) throw new PortTakenError(port);
          throw new Error(`kamailio exited with ${child.exitCode}:\n${kamailio.log}`);
        }
        const reply = await kamailio.options(`sip:127.0.0.1:${port}`, 200).catch(() => undefined);
        return reply?.status === 200 ? true : undefined;
      }, 10000, 100);
    } catch (err) {
      await kamailio.dispose();
      throw err;
    }
    return kamailio;
  }

  /**
   * A `/rest-api/call/startup` body for `caller` calling `callee` (audio only) with this kamailio as
   * outbound proxy, in strings as the WCS examples send them; `extra` adds or overrides fields.
   */
  callBody(callId: string, caller: KamailioUser, callee: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { callId, callee, sipLogin: caller.user, sipPassword: caller.password, sipDomain: "127.0.0.1", sipOutboundProxy: "127.0.0.1", sipPort: String(this.port), hasAudio: "true", hasVideo: "false", ...extra };
  }

  /** `127.0.0.1:<port>`: the domain of the test users' addresses of record and the registrar. */
  get domain(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Everything kamailio wrote to stdout and stderr. */
  get log(): string {
    return this.output;
  }

  /**
   * What the routing script did for the requests of one Call-ID (or all), one line each, in order
   * (its `xlog` lines): "challenge REGISTER",
   * "authorized REGISTER alice", "auth failed REGISTER alice -2", "saved alice", "relay INVITE sip:bob@...",
   * "not found INVITE bob", "in-dialog BYE sip:...".
   */
  events(callId?: string): string[] {
    return this.records().filter((r) => callId === undefined || r.callId === callId).map((r) => r.event);
  }

  /** The same lines with the Call-ID of the request each one is about. */
  records(): { callId: string; event: string }[] {
    return [...this.output.matchAll(/<script>: transpond: \[([^\]]*)\] (.*)$/gm)].map((m) => ({ callId: m[1], event: m[2].trim() }));
  }

  /** The events of the Call-ID of the last request whose event matched. */
  dialogOf(event: string | RegExp): string[] {
    const last = this.records().filter((r) => (typeof event === "string" ? r.event === event : event.test(r.event))).at(-1);
    return last ? this.events(last.callId) : [];
  }

  /** Waits until the script has logged `event` for the Call-ID (or any), then returns that Call-ID's events. */
  async waitForEvent(event: string | RegExp, callId?: string, timeoutMs = 5000): Promise<string[]> {
    const matches = (e: string): boolean => (typeof event === "string" ? e === event : event.test(e));
    return waitFor(`kamailio to log ${String(event)}`, () => {
      const events = this.events(callId);
      return events.some(matches) ? events : undefined;
    }, timeoutMs, 20);
  }

  /**
   * Sends an out-of-dialog OPTIONS to `uri` through this kamailio over UDP and resolves with the
   * final response. kamailio answers 200 itself for its own URI; for `sip:user@domain` it relays to
   * the user's registered contact, or answers 404 when the user has no binding.
   */
  options(uri: string, timeoutMs = 3000): Promise<SipReply> {
    return new Promise((resolve, reject) => {
      const socket = createSocket("udp4");
      const tag = Math.random().toString(36).slice(2);
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: Error | undefined, reply?: SipReply): void => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(reply!);
      };
      socket.on("error", (err) => finish(err));
      socket.on("message", (bytes) => {
        const text = bytes.toString("utf8");
        const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(text);
        if (m && Number(m[1]) >= 200) finish(undefined, { status: Number(m[1]), reason: m[2], text });
      });
      socket.bind(0, "127.0.0.1", () => {
        const local = socket.address().port;
        const message = [
          `OPTIONS ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${tag};rport`,
          "Max-Forwards: 70",
          `From: <sip:probe@127.0.0.1:${local}>;tag=${tag}`,
          `To: <${uri}>`,
          `Call-ID: ${tag}@probe`,
          "CSeq: 1 OPTIONS",
          `Contact: <sip:probe@127.0.0.1:${local}>`,
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
        socket.send(message, this.port, "127.0.0.1");
        timer = setTimeout(() => finish(new Error(`no final answer to OPTIONS ${uri} within ${timeoutMs} ms`)), timeoutMs);
      });
    });
  }

  /** SIGTERM (kamailio stops its workers), SIGKILL to the whole group after 3 s; keeps the folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      killGroup(this.child, "SIGTERM");
      const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    killGroup(this.child, "SIGKILL");
  }

  /** stop() and delete the temp folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function config(port: number, realm: string, users: readonly KamailioUser[]): string {
  const passwords = users.map((u) => `    if ($au == "${u.user}") { $var(pw) = "${u.password}"; }`).join("\n");
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
mpath="${KAMAILIO_MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("rr", "enable_full_lr", 1)
modparam("auth", "nonce_expire", 300)

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!sanity_check()) { xlog("L_NOTICE", "transpond: [$ci] insane $rm\\n"); exit; }
  if (has_totag()) {
    if (loose_route()) { xlog("L_NOTICE", "transpond: [$ci] in-dialog $rm $ru\\n"); t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "Keepalive"); exit; }
  t_check_trans();
  if (is_method("REGISTER|INVITE|MESSAGE|SUBSCRIBE")) {
    if (!is_present_hf("Authorization") && !is_present_hf("Proxy-Authorization")) {
      xlog("L_NOTICE", "transpond: [$ci] challenge $rm\\n");
      auth_challenge("${realm}", "0");
      exit;
    }
    $var(pw) = "-no-such-user-";
${passwords}
    if (!pv_auth_check("${realm}", "$var(pw)", "0", "1")) {
      xlog("L_NOTICE", "transpond: [$ci] auth failed $rm $au $rc\\n");
      auth_challenge("${realm}", "0");
      exit;
    }
    xlog("L_NOTICE", "transpond: [$ci] authorized $rm $au\\n");
    consume_credentials();
  }
  if (is_method("REGISTER")) {
    if (!save("location")) { sl_reply_error(); exit; }
    xlog("L_NOTICE", "transpond: [$ci] saved $tU expires $hdr(Expires)\\n");
    exit;
  }
  if (is_method("INVITE|SUBSCRIBE")) { record_route(); }
  if (uri == myself || $rd == "127.0.0.1") {
    if (!lookup("location")) { xlog("L_NOTICE", "transpond: [$ci] not found $rm $rU\\n"); sl_send_reply("404", "Not Found"); exit; }
  }
  xlog("L_NOTICE", "transpond: [$ci] relay $rm $ru\\n");
  t_relay();
  exit;
}
`;
}
