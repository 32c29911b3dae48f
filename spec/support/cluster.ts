/**
 * Cluster nodes for tests, joined to a test redis-server on free loopback ports: an in-process app,
 * or a `transpond start` process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { startApp, type App } from "../../src/app.ts";
import type { MediaSource } from "../../src/core/stream/media-sink.ts";
import { makeConfig, type ConfigOverrides } from "../../src/config.ts";
import { freeTcpPort, waitFor } from "./net.ts";
import { keepOutput } from "./test-log.ts";

export const CLUSTER_TEST_SECRET = "node-to-node-s3cret";

/** POSTs `body` as JSON to an in-process node's REST port; the answer's status and parsed body. */
export async function postJson(app: App, path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${app.ports.http}${path}`, { method: "POST", body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** A media source as an RTMP publisher's, for streams published into a node's hub by a test. */
export const rtmpTestSource = (): MediaSource => ({ kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });

/** `ok` or `degraded`, as the node reports the cluster. */
export const clusterStatus = async (app: App) => (await postJson(app, "/rest-api/cluster/nodes")).body.status as string;

export async function startClusterNode(redisUrl: string, dir: string, id: string, overrides: ConfigOverrides = {}): Promise<App> {
  return startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": await freeTcpPort(),
      "wss.port": 0,
      "rtmp.port": await freeTcpPort(),
      data_dir: join(dir, id, "data"),
      media_dir: join(dir, id, "media"),
      record_dir: join(dir, id, "records"),
      ice_interface_addresses: ["127.0.0.1"],
      "media.workers": 0,
      "cluster.redis_url": redisUrl,
      "cluster.node_id": id,
      "cluster.secret": CLUSTER_TEST_SECRET,
      "cluster.heartbeat_timeout": 1500,
      ...overrides,
    }),
  );
}

/** A cluster node as its own process (`transpond start`), for tests that SIGKILL one. */
export interface ClusterProcess {
  readonly id: string;
  readonly ports: { readonly http: number; readonly rtmp: number; readonly ws: number };
  readonly child: ChildProcess;
  /** REST base URL */
  readonly api: string;
  /** SIGKILL, resolved once the process is gone (no-op when it already is) */
  kill(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, "..", "..");

export async function startClusterProcess(redisUrl: string, dir: string, id: string, sets: Readonly<Record<string, string | number>> = {}): Promise<ClusterProcess> {
  const ports = { http: await freeTcpPort(), rtmp: await freeTcpPort(), ws: await freeTcpPort() };
  const settings: Record<string, string | number> = {
    bind_address: "127.0.0.1",
    "http.port": ports.http,
    "https.port": 0,
    "ws.port": ports.ws,
    "wss.port": 0,
    "rtmp.port": ports.rtmp,
    data_dir: join(dir, id, "data"),
    media_dir: join(dir, id, "media"),
    record_dir: join(dir, id, "records"),
    ice_interface_addresses: "127.0.0.1",
    "cluster.redis_url": redisUrl,
    "cluster.node_id": id,
    "cluster.secret": CLUSTER_TEST_SECRET,
    ...sets,
  };
  const args = ["bin/transpond.mjs", "start", ...Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  keepOutput(`node ${id}`, () => output);
  const gone = new Promise<void>((done) => child.once("exit", () => done()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await gone;
  };
  const api = `http://127.0.0.1:${ports.http}`;
  try {
    await waitFor(`node ${id}'s REST API`, async () => {
      if (child.exitCode !== null) throw new Error(`node ${id} exited: ${output}`);
      return (await fetch(`${api}/rest-api/cluster/nodes`).catch(() => undefined))?.status === 200 ? true : undefined;
    }, 90000, 100);
  } catch (err) {
    await kill();
    throw err;
  }
  return { id, ports, child, api, kill };
}
