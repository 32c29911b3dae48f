/**
 * Debian's redis-server as a test peer: no config file, a temp folder, a free port on 127.0.0.1, its
 * own process (never the system service). `stop()` and `restart()` on the same port show what nodes
 * do while Redis is away. Without persistence it comes back empty; with `{ persist: true }` (an AOF
 * written at every command) it comes back with its data, keys whose TTL ran out meanwhile gone.
 *
 *   const redis = await RedisServer.start();
 *   ... startApp({ "cluster.redis_url": redis.url, ... }) ...
 *   await redis.dispose();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeTcpPort, portTaken, waitFor } from "./net.ts";
import { keepOutput } from "./test-log.ts";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export class RedisServer {
  readonly dir: string;
  readonly port: number;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private output = "";

  private constructor(dir: string, port: number, private readonly persist: boolean) {
    this.dir = dir;
    this.port = port;
  }

  static async start(options: { persist?: boolean } = {}): Promise<RedisServer> {
    const redis = new RedisServer(mkdtempSync(join(tmpdir(), "transpond-redis-")), await freeTcpPort(), options.persist ?? false);
    try {
      await redis.spawn();
    } catch (err) {
      await redis.dispose();
      throw err;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: Redis vanishes (only what its AOF has survives, when it persists). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill("SIGKILL");
    await this.exited;
  }

  /** Starts Redis again on the same port: empty, or with its AOF's data when it persists. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawn(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--daemonize", "no"];
    args.push(...(this.persist ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]));
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    keepOutput(`redis-server on port ${this.port}`, () => this.output);
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => child.once("exit", () => {
      live.delete(child);
      resolve();
    }));
    await waitFor(`redis-server to accept on port ${this.port}`, async () => {
      if (!this.running) throw new Error(`redis-server exited: ${this.output}`);
      return (await portTaken(this.port, true)) ? true : undefined;
    }, 10000, 50);
  }
}
