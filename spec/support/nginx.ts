/**
 * nginx with the RTMP module (Debian's nginx-light + libnginx-mod-rtmp) as a test peer: a config in a
 * temp folder, a free port on 127.0.0.1, `record all` into `recordDir`, optional `on_connect` /
 * `on_publish` HTTP callbacks answered by a Node http server of the test, its own pid and error log.
 *
 *   const nginx = await NginxRtmp.start({ onPublish: (f) => (f.name === "bad" ? 403 : 200) });
 *   ... publish to nginx.url("live") ...
 *   await nginx.stop();
 *
 * `kill()` is SIGKILL (the server vanishes mid-stream); `restart()` starts it again on the same port.
 * nginx runs with `master_process off` so that one pid is the whole server and a kill leaves nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeTcpPort, waitFor } from "./net.ts";
import { keepOutput } from "./test-log.ts";

export const NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/** One POST nginx made to a callback: `call` is nginx's own field (connect, publish, done, ...). */
export interface NginxCallback {
  readonly path: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Answers a callback with an HTTP status (2xx lets nginx go on; anything else refuses). */
export type CallbackHandler = (fields: Readonly<Record<string, string>>) => number;

export interface NginxOptions {
  /** application names (default ["live"]); a name may contain "/" (e.g. "live/instance") */
  readonly applications?: readonly string[];
  /** record every published stream (default true) */
  readonly record?: boolean;
  /** nginx `record_unique` (default false: `<name>.flv`, truncated by the next publish of the name) */
  readonly recordUnique?: boolean;
  readonly onConnect?: CallbackHandler;
  readonly onPublish?: CallbackHandler;
  readonly onPlay?: CallbackHandler;
  /** lines added to every application block */
  readonly applicationConfig?: string;
}

/** nginx processes still running, killed when the test process exits whatever happened. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

export class NginxRtmp {
  readonly dir: string;
  readonly recordDir: string;
  readonly port: number;
  /** every callback nginx made, in order */
  readonly calls: NginxCallback[] = [];
  private readonly configFile: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private callbackServer?: Server;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.recordDir = join(dir, "rec");
    this.configFile = join(dir, "nginx.conf");
  }

  static async start(options: NginxOptions = {}): Promise<NginxRtmp> {
    const dir = mkdtempSync(join(tmpdir(), "transpond-nginx-"));
    const nginx = new NginxRtmp(dir, await freeTcpPort());
    mkdirSync(nginx.recordDir);
    try {
      const callbackBase = options.onConnect || options.onPublish || options.onPlay ? await nginx.startCallbacks(options) : undefined;
      writeFileSync(nginx.configFile, nginx.config(options, callbackBase));
      await nginx.spawn();
    } catch (err) {
      await nginx.stop();
      throw err;
    }
    return nginx;
  }

  /** `rtmp://127.0.0.1:<port>/<path>` */
  url(path = "live"): string {
    return `rtmp://127.0.0.1:${this.port}/${path}`;
  }

  /** The recording of a stream name (with `recordUnique` off). */
  recording(name: string): string {
    return join(this.recordDir, `${name}.flv`);
  }

  /** Bytes nginx has written to the recording of `name` so far (0 before it exists). */
  recordedBytes(name: string): number {
    const file = this.recording(name);
    return existsSync(file) ? statSync(file).size : 0;
  }

  /** Every file in the record folder, oldest first. */
  recordings(): string[] {
    return readdirSync(this.recordDir)
      .map((f) => join(this.recordDir, f))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs || a.localeCompare(b));
  }

  get errorLog(): string {
    const file = join(this.dir, "error.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the recording of `name` exists and has stopped growing for 500 ms (nginx closed it). */
  async recordingClosed(name: string, timeoutMs = 10000): Promise<string> {
    const file = this.recording(name);
    let lastSize = -1;
    let stableSince = Date.now();
    await waitFor(`nginx to finish ${file}`, () => {
      const size = existsSync(file) ? statSync(file).size : -1;
      if (size !== lastSize) {
        lastSize = size;
        stableSince = Date.now();
        return undefined;
      }
      return size > 0 && Date.now() - stableSince > 500 ? true : undefined;
    }, timeoutMs, 100);
    return file;
  }

  /** SIGKILL: the server disappears the way a crash or a pulled cable looks to the publisher. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** Starts nginx again with the same config on the same port (after kill or stop). */
  async restart(): Promise<void> {
    if (this.running) await this.signal("SIGQUIT");
    await this.spawn();
  }

  /** Stops nginx (graceful, then SIGKILL after 3 s), closes the callback server and removes nothing. */
  async stop(): Promise<void> {
    if (this.running) await this.signal("SIGQUIT", 3000);
    const server = this.callbackServer;
    this.callbackServer = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** stop() and delete the temp folder (recordings included). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals, graceMs = 0): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    if (graceMs > 0) {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    } else await this.exited;
  }

  private async spawn(): Promise<void> {
    const child = spawn("nginx", ["-c", this.configFile, "-p", this.dir, "-e", join(this.dir, "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    keepOutput(`nginx on port ${this.port} (stderr, error.log)`, () => stderr + this.errorLog);
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => child.once("exit", () => {
      live.delete(child);
      resolve();
    }));
    try {
      await waitFor(`nginx to accept on port ${this.port}`, async () => {
        if (!this.running) throw new Error(`nginx exited: ${stderr}${this.errorLog}`);
        return (await portAccepts(this.port)) ? true : undefined;
      }, 10000, 50);
    } catch (err) {
      await this.signal("SIGKILL");
      throw err;
    }
  }

  private async startCallbacks(options: NginxOptions): Promise<string> {
    const handlers: Record<string, CallbackHandler | undefined> = { "/on_connect": options.onConnect, "/on_publish": options.onPublish, "/on_play": options.onPlay };
    const server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => (body += d));
      req.on("end", () => {
        const path = (req.url ?? "/").split("?")[0]!;
        const fields = parseForm(body);
        this.calls.push({ path, fields });
        let status = 200;
        try {
          status = handlers[path]?.(fields) ?? 200;
        } catch {
          status = 500;
        }
        res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "refused");
      });
    });
    this.callbackServer = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
    return `http://127.0.0.1:${port}`;
  }

  private config(options: NginxOptions, callbackBase: string | undefined): string {
    const apps = options.applications ?? ["live"];
    const record = options.record ?? true;
    const appBlock = (name: string) => `
    application ${name} {
      live on;
      ${record ? `record all;\n      record_path ${this.recordDir};\n      record_unique ${options.recordUnique ? "on" : "off"};` : "record off;"}
      ${callbackBase && options.onPublish ? `on_publish ${callbackBase}/on_publish;` : ""}
      ${callbackBase && options.onPlay ? `on_play ${callbackBase}/on_play;` : ""}
      ${options.applicationConfig ?? ""}
    }`;
    return `# written by spec/support/nginx.ts
load_module ${NGINX_RTMP_MODULE};
${isRoot() ? "user root;" : ""}
daemon off;
master_process off;
worker_processes 1;
pid ${join(this.dir, "nginx.pid")};
error_log ${join(this.dir, "error.log")} info;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${this.port};
    chunk_size 4096;
    notify_method post;
    ${callbackBase && options.onConnect ? `on_connect ${callbackBase}/on_connect;` : ""}
    ${apps.map(appBlock).join("\n")}
  }
}
`;
  }
}
