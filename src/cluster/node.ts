/**
 * This node's part in a cluster: it beats its heartbeat into Redis every third of the TTL, keeps
 * the stream map true for its own streams, and answers which live node has a stream. When Redis is
 * away it serves on with what it has and reports itself degraded; when Redis answers again it
 * registers everything again (an empty Redis after a restart learns the node's streams anew).
 */
import { hostname } from "node:os";
import type { Config } from "../config.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import type { Stream } from "../core/stream/stream.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { EdgePulls } from "./edge.ts";
import type { ClusterJobs } from "./jobs.ts";
import { ClusterStore, type NodeInfo } from "./store.ts";

import { CLUSTER_API, CLUSTER_SECRET_HEADER } from "./api.ts";
const NODE_CALL_TIMEOUT_MS = 5000;

/** A node's answer to a node-to-node call: its status and JSON body (undefined when empty). */
export interface NodeAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** POSTs to another node's `/cluster-api/<route>` with the cluster secret. */
export async function callNode(node: NodeInfo, route: string, body: unknown, secret: string): Promise<NodeAnswer> {
  const res = await fetch(`http://${node.address}:${node.ports.http}${CLUSTER_API}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", [CLUSTER_SECRET_HEADER]: secret },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(NODE_CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

export interface ClusterSettings {
  readonly url: string;
  readonly nodeId: string;
  readonly address: string;
  readonly secret: string;
  readonly ttlMs: number;
}

/** The cluster keys of a config, checked; undefined when the node runs alone. */
export function clusterSettings(config: Config, httpPort: number): ClusterSettings | undefined {
  const url = config["cluster.redis_url"];
  if (url === "") return undefined;
  if (!/^rediss?:\/\/[^/]/.test(url)) throw new ConfigError("cluster.redis_url", "must be a redis:// or rediss:// URL");
  if (config["cluster.secret"] === "") throw new ConfigError("cluster.secret", "is required when cluster.redis_url is set (it authenticates node-to-node calls)");
  return {
    url,
    nodeId: config["cluster.node_id"] || `${hostname()}:${httpPort}`,
    address: config["cluster.advertise_address"] || "127.0.0.1",
    secret: config["cluster.secret"],
    ttlMs: config["cluster.heartbeat_timeout"],
  };
}

export interface ClusterStatus {
  readonly nodeId: string;
  /** "ok": registered in Redis; "degraded": Redis unreachable, the node serves what it has */
  readonly status: "ok" | "degraded";
  readonly nodes: readonly NodeInfo[];
}

export class ClusterNode {
  readonly settings: ClusterSettings;
  readonly store: ClusterStore;
  private readonly hub: StreamHub;
  private readonly info: NodeInfo;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private unlisten?: () => void;
  private registered = false;
  private beating?: Promise<void>;
  /** the live nodes at the last good read: who this node asks while Redis is away */
  private lastNodes: readonly NodeInfo[] = [];
  private warnedOnce = false;
  private edgePulls?: EdgePulls;
  private jobs?: ClusterJobs;
  /** when this node (re-)registered: it takes over no job until every owner had a lease's time to claim its own */
  private registeredAt = 0;
  /** streams pulled here from other nodes (edge pulls): they stay in the map as the origin's */
  private readonly edges = new Set<string>();

  constructor(settings: ClusterSettings, hub: StreamHub, ports: Readonly<Record<string, number>>, log: Logger) {
    this.settings = settings;
    this.hub = hub;
    this.log = log;
    this.info = { id: settings.nodeId, address: settings.address, ports: { ...ports }, startedAt: Date.now() };
    this.store = new ClusterStore({ url: settings.url, nodeId: settings.nodeId, ttlMs: settings.ttlMs });
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  get degraded(): boolean {
    return !this.registered;
  }

  /** Joins the cluster (or starts degraded when Redis is not reachable yet: it keeps trying). */
  async start(): Promise<void> {
    this.unlisten = this.hub.listen({
      published: (stream) => this.edges.has(stream.name) || this.write(() => this.store.setStream(stream.name)),
      unpublished: (stream) => this.edges.has(stream.name) || this.write(() => this.store.unsetStream(stream.name)),
    });
    // back from an outage, the node writes what it did meanwhile at once, not at its next beat
    this.store.onReady(() => void this.beat());
    await this.store.connect().catch(() => {});
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(200, Math.floor(this.settings.ttlMs / 3)));
  }

  /** Players of a stream that lives on another node get it through an edge pull. */
  servePlayers(edgePulls: EdgePulls): void {
    this.edgePulls = edgePulls;
    this.hub.setRemoteResolver(edgePulls.resolve);
  }

  /** This node's REST jobs kept in Redis, renewed and taken over at each heartbeat. */
  keepJobs(jobs: ClusterJobs): void {
    this.jobs = jobs;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.hub.setRemoteResolver(undefined);
    this.edgePulls?.close();
    this.unlisten?.();
    await this.beating;
    if (this.registered) {
      await this.jobs?.close();
      for (const stream of this.ownStreams()) await this.store.unsetStream(stream.name).catch(() => {});
      await this.store.leave().catch(() => {});
    }
    await this.store.close();
  }

  /** Live nodes (this one always among them); while degraded, the nodes of the last good read. */
  async nodes(): Promise<readonly NodeInfo[]> {
    if (this.registered) this.lastNodes = await this.store.liveNodes().catch(() => this.lastNodes);
    return this.lastNodes.some((n) => n.id === this.nodeId) ? this.lastNodes : [this.info, ...this.lastNodes];
  }

  /** The other live nodes. */
  async peers(): Promise<readonly NodeInfo[]> {
    return (await this.nodes()).filter((n) => n.id !== this.nodeId);
  }

  /** The live node that has a stream, when it is not this one (while Redis is away: asked of the nodes of the last good read). */
  async streamPeer(name: string): Promise<NodeInfo | undefined> {
    if (this.hub.get(name)) return undefined;
    if (!this.registered) return this.streamPeerAskingPeers(name);
    const owner = await this.store.streamNode(name).catch(() => undefined);
    if (owner === undefined || owner === this.nodeId) return undefined;
    return (await this.peers()).find((n) => n.id === owner);
  }

  /** The first peer that has the stream, one that publishes it before one that pulls it (another edge). */
  private async streamPeerAskingPeers(name: string): Promise<NodeInfo | undefined> {
    const answers = await Promise.all(
      (await this.peers()).map(async (node) => {
        const found = await callNode(node, "stream/find", { name }, this.settings.secret).catch(() => undefined);
        const streams = found?.status === 200 && Array.isArray(found.body) ? (found.body as { source?: unknown }[]) : [];
        return { node, has: streams.length > 0, pulled: streams.every((s) => s.source === "pull") };
      }),
    );
    const having = answers.filter((a) => a.has);
    return (having.find((a) => !a.pulled) ?? having[0])?.node;
  }

  /** A stream published here that is an edge pull of another node's: not written as this node's. */
  markEdge(name: string): void {
    this.edges.add(name);
  }

  unmarkEdge(name: string): void {
    this.edges.delete(name);
  }

  isEdge(name: string): boolean {
    return this.edges.has(name);
  }

  async status(): Promise<ClusterStatus> {
    return { nodeId: this.nodeId, status: this.registered ? "ok" : "degraded", nodes: await this.nodes() };
  }

  private beat(): Promise<void> {
    this.beating ??= this.heartbeat().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.jobs?.keepOwn();
      const wasAlive = await this.store.heartbeat(this.info);
      if (this.registered && !wasAlive) {
        // a stall longer than the timeout (GC, a starved VM): other nodes dropped this one and its streams
        this.log.warn("cluster: this node's heartbeat had expired; registering its streams again", { node: this.nodeId, heartbeatTimeoutMs: this.settings.ttlMs });
        this.registered = false;
      }
      if (!this.registered) await this.register();
      this.lastNodes = await this.store.liveNodes();
      if (Date.now() - this.registeredAt >= this.settings.ttlMs) await this.jobs?.takeOverLost();
    } catch (err) {
      if (this.registered) this.log.warn("cluster degraded: Redis unreachable; serving local streams and jobs only", { node: this.nodeId, error: errorMessage(err) });
      else if (!this.warnedOnce) this.log.warn("cluster degraded: Redis not reachable yet", { node: this.nodeId, error: errorMessage(err) });
      this.warnedOnce = true;
      this.registered = false;
    }
  }

  /** Writes everything this node has (the first time, or again after Redis came back). */
  private async register(): Promise<void> {
    for (const stream of this.ownStreams()) await this.store.setStream(stream.name);
    this.registered = true;
    this.registeredAt = Date.now();
    this.warnedOnce = false;
    this.log.info("cluster: node registered", { node: this.nodeId, address: this.info.address, streams: this.ownStreams().length });
  }

  private ownStreams(): Stream[] {
    return this.hub.all().filter((s) => !this.edges.has(s.name));
  }

  /** A write that may fail while degraded: the next registration writes the state again. */
  private write(fn: () => Promise<unknown>): void {
    if (!this.registered) return;
    fn().catch((err) => this.log.debug("cluster write failed; rewritten at re-registration", { error: errorMessage(err) }));
  }
}
