/**
 * baresip (Debian package, 1.0) as a headless SIP callee: a config folder in a temp dir (`-f`), UDP
 * SIP on a free port of 127.0.0.1, one account that registers with a registrar (or none), answers
 * every call itself (`answermode=auto`, done by the `menu` module), plays a WAV file as its
 * microphone (`aufile` source; the file must be 8 kHz mono 16-bit for G.711) and records what it
 * sends and receives with the `sndfile` filter (`<n>-dump-<time>-enc.wav` / `-dec.wav` in `recordDir`,
 * `<n>` counting the files in the order baresip opened them).
 * There are no audio devices: the player is an unused `aubridge` device. Only modules the Debian
 * package ships are loaded: g711, aufile, aubridge, sndfile, account, menu.
 *
 * What the log shows, and what the helpers read from it:
 *   RFC 4733 events    "received event: '5' (end=1)"        -> rtpDtmf()
 *   SIP INFO dtmf-relay "call: received DTMF: '5' (duration=160)" -> infoDtmf()
 *
 *   const bob = await Baresip.start({ user: "bob", password: "b", registrar: kamailio.domain, source: wav });
 *   await bob.registered();
 *   ... call it ...; await bob.callEnded(1); bob.decodedRecordings()
 *   await bob.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { mediaPortRange } from "./media-ports.ts";
import { waitFor } from "./net.ts";
import { keepOutput } from "./test-log.ts";

export const BARESIP_MODULES = "/usr/lib/baresip/modules";

export interface BaresipOptions {
  readonly user: string;
  /** digest password for the registrar and the proxy */
  readonly password?: string;
  /** `host:port` of the registrar the account registers with; absent: no registration */
  readonly registrar?: string;
  /** WAV file played into every call (8 kHz, mono, 16-bit) */
  readonly source: string;
  /** registration interval in seconds (default 60) */
  readonly regint?: number;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export class Baresip {
  readonly dir: string;
  readonly recordDir: string;
  readonly port: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private output = "";
  private unreadLine = "";
  private recordings = 0;

  private constructor(dir: string, port: number, child: ChildProcess) {
    this.dir = dir;
    this.port = port;
    this.recordDir = join(dir, "rec");
    this.child = child;
    live.add(child);
    child.stdout?.on("data", (d: Buffer) => this.read(d.toString("utf8")));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString("utf8")));
    keepOutput(`baresip on port ${port}`, () => this.output);
    this.exited = new Promise((resolve) => child.once("exit", () => (live.delete(child), resolve())));
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    // from this process's locked region: a port-0 port found free can be taken by another run before
    // baresip binds it (it then exits with 98, EADDRINUSE); its RTP ports come from the same block
    const ports = mediaPortRange(20);
    const port = ports.media_port_from;
    const dir = mkdtempSync(join(tmpdir(), "transpond-baresip-"));
    const recordDir = join(dir, "rec");
    mkdirSync(recordDir);
    writeFileSync(join(dir, "config"), config(port, `${port + 2}-${ports.media_port_to}`, options.source, recordDir));
    writeFileSync(join(dir, "accounts"), `${account(options)}\n`);
    const child = spawn("baresip", ["-v", "-f", dir], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const baresip = new Baresip(dir, port, child);
    try {
      await baresip.waitForLine("baresip to start", /baresip is ready\./, 10000);
    } catch (err) {
      await baresip.stop();
      throw err;
    }
    return baresip;
  }

  private read(text: string): void {
    this.output += text;
    const lines = (this.unreadLine + text).split("\n");
    this.unreadLine = lines.pop()!;
    for (const line of lines) {
      const opened = /sndfile: dumping \S+ audio to (\S+\.wav)/.exec(line);
      if (opened) this.numberRecording(opened[1]);
    }
  }

  /**
   * sndfile names a recording by the second its call started, so a second call in the same second
   * would truncate the first one's file: each file is renamed as soon as baresip opened it (it keeps
   * writing to the renamed file) and the next call's file is a new one.
   */
  private numberRecording(file: string): void {
    this.recordings++;
    try {
      renameSync(file, join(this.recordDir, `${String(this.recordings).padStart(3, "0")}-${basename(file)}`));
    } catch (err) {
      this.output += `\n[test helper] could not rename ${file}: ${(err as Error).message}\n`;
    }
  }

  /** The log as lines (the menu's `\r` status line left out). */
  lines(): string[] {
    return this.output.split(/\r\n|\r|\n/).filter((l) => l.trim() !== "" && !/^\[\d+:\d\d:\d\d\]/.test(l));
  }

  get log(): string {
    return this.lines().join("\n");
  }

  /** Waits for a log line matching `pattern`; fails early when baresip exits. */
  waitForLine(what: string, pattern: RegExp, timeoutMs = 10000): Promise<string> {
    return waitFor(what, () => {
      const line = this.lines().find((l) => pattern.test(l));
      if (line === undefined && this.child.exitCode !== null) throw new Error(`baresip exited with ${this.child.exitCode} waiting for ${what}:\n${this.log}`);
      return line;
    }, timeoutMs, 50);
  }

  /** Waits until the registrar accepted the account ("200 OK ... [1 binding]"). */
  registered(timeoutMs = 10000): Promise<string> {
    return this.waitForLine("baresip to register", /\{0\/UDP\/v4\} 200 /, timeoutMs);
  }

  /** Waits until `count` calls have ended (baresip has then closed their recordings). */
  async callEnded(count: number, timeoutMs = 10000): Promise<void> {
    await waitFor(`baresip to end call ${count}`, () => (this.lines().filter((l) => /audio: destroyed/.test(l)).length >= count ? true : undefined), timeoutMs, 50);
  }

  /**
   * How many calls the peer ended with a BYE: libre reports each as "session closed: Connection
   * reset by peer" (baresip's "Call with ... terminated" summary is left out for calls under 1 s).
   */
  hungUpByPeer(): number {
    return this.lines().filter((l) => /: session closed: Connection reset by peer$/.test(l)).length;
  }

  /** Digits reported from RFC 4733 telephone-events, one per event end (`end=1`). */
  rtpDtmf(): string[] {
    return this.lines().flatMap((l) => {
      const m = /received event: '(.)' \(end=1\)/.exec(l);
      return m ? [m[1]] : [];
    });
  }

  /** Digits (with the durations baresip read) received as SIP INFO `application/dtmf-relay`. */
  infoDtmf(): { digit: string; duration: number }[] {
    return this.lines().flatMap((l) => {
      const m = /call: received DTMF: '(.)' \(duration=(\d+)\)/.exec(l);
      return m ? [{ digit: m[1], duration: Number(m[2]) }] : [];
    });
  }

  /** Recordings of what baresip received and decoded, oldest first (`<n>-dump-<time>-dec.wav`). */
  decodedRecordings(): string[] {
    if (!existsSync(this.recordDir)) return [];
    return readdirSync(this.recordDir).filter((f) => f.endsWith("-dec.wav")).sort().map((f) => join(this.recordDir, f));
  }

  /** The decoded recording of the call that started last. */
  latestDecodedRecording(): string | undefined {
    return this.decodedRecordings().at(-1);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (baresip hangs up and closes its recordings), SIGKILL after 3 s; keeps the folder. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** stop() and delete the temp folder (recordings included). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function account(o: BaresipOptions): string {
  const params = ["answermode=auto", "audio_codecs=PCMA,PCMU"];
  if (o.password !== undefined) params.push(`auth_pass=${o.password}`);
  if (o.registrar !== undefined) {
    params.push(`regint=${o.regint ?? 60}`);
    return `<sip:${o.user}@${o.registrar}>;${params.join(";")}`;
  }
  params.push("regint=0");
  return `<sip:${o.user}@127.0.0.1>;${params.join(";")}`;
}

function config(port: number, rtpPorts: string, source: string, recordDir: string): string {
  return [
    "poll_method epoll",
    `sip_listen 127.0.0.1:${port}`,
    `rtp_ports ${rtpPorts}`,
    "sip_transports udp",
    "net_interface 127.0.0.1",
    "dns_server 127.0.0.1:53",
    "call_local_timeout 120",
    "call_max_calls 4",
    `audio_source aufile,${source}`,
    "audio_player aubridge,transpond-unused",
    "audio_alert aubridge,transpond-unused",
    "ausrc_format s16",
    "auplay_format s16",
    "rtcp_mux no",
    "jitter_buffer_delay 1-10",
    "rtp_stats yes",
    `module_path ${BARESIP_MODULES}`,
    "module g711.so",
    "module aufile.so",
    "module aubridge.so",
    "module sndfile.so",
    "module_app account.so",
    "module_app menu.so",
    `snd_path ${recordDir}`,
    "",
  ].join("\n");
}
