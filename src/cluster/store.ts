/**
 * What the nodes of a cluster share in Redis (or Valkey): each node's heartbeat with a TTL, which
 * node has which stream, and the specs of REST-created jobs with an owner lease. Every check-and-set
 * runs as one Lua script, so two nodes never both win a lease and a node whose lease ran out cannot
 * renew, update or release it: each take bumps the job's fencing counter and every later write must
 * present the counter it took the lease with.
 *
 * Keys (all under `transpond:`):
 *   node:<id>          JSON of the node, PX = heartbeat TTL      nodes   set of every node id seen
 *   streams            hash stream name -> node id
 *   job:<id>           hash { spec, kind, owner, fence, reconnects, lost }   jobs    set of job ids
 *   lease:<id>         "<node>#<fence>", PX = lease TTL
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

const PREFIX = "transpond:";
const key = {
  node: (id: string) => `${PREFIX}node:${id}`,
  nodes: `${PREFIX}nodes`,
  streams: `${PREFIX}streams`,
  job: (id: string) => `${PREFIX}job:${id}`,
  jobs: `${PREFIX}jobs`,
  lease: (id: string) => `${PREFIX}lease:${id}`,
  /** changes when Redis comes back empty: a job missing from the epoch it was stored in was removed */
  epoch: `${PREFIX}epoch`,
};

/** Lua: the store's epoch in `epoch`, set to ARGV[n] when Redis has none (new, or back empty). */
const ensureEpoch = (key: string, arg: string) => `
local epoch = redis.call("GET", ${key})
if not epoch then
  epoch = ${arg}
  redis.call("SET", ${key}, epoch)
end`;

/**
 * KEYS: job, lease, epoch. ARGV: node, ttl, new epoch. Returns {fence, epoch}: the new fence, 0 while
 * another node holds the lease, -1 when there is no such job.
 */
const TAKE = `${ensureEpoch("KEYS[3]", "ARGV[3]")}
if redis.call("EXISTS", KEYS[1]) == 0 then return {-1, epoch} end
local holder = redis.call("GET", KEYS[2])
if holder then return {0, epoch} end
local fence = redis.call("HINCRBY", KEYS[1], "fence", 1)
redis.call("HSET", KEYS[1], "owner", ARGV[1])
redis.call("SET", KEYS[2], ARGV[1] .. "#" .. fence, "PX", ARGV[2])
return {fence, epoch}`;

/**
 * KEYS: job, lease, jobs, epoch. ARGV: node, ttl, kind, spec, job id, the epoch the job was stored in
 * ("" if never), new epoch. Takes the lease of a job, storing the job first when Redis does not have
 * it: new, or stored before Redis came back empty (another epoch). One missing from the epoch it was
 * stored in was removed (an operator terminated it on the node that had taken it) and is not stored
 * again. A lost call the node still has becomes live again. Returns {fence, epoch}: the new fence, 0
 * while another node holds the lease, -1 when the job was removed.
 */
const CLAIM = `${ensureEpoch("KEYS[4]", "ARGV[7]")}
if redis.call("EXISTS", KEYS[1]) == 0 then
  if ARGV[6] == epoch then return {-1, epoch} end
  redis.call("HSET", KEYS[1], "kind", ARGV[3], "spec", ARGV[4], "owner", "", "fence", 0, "reconnects", 0)
  redis.call("SADD", KEYS[3], ARGV[5])
end
if redis.call("EXISTS", KEYS[2]) == 1 then return {0, epoch} end
local fence = redis.call("HINCRBY", KEYS[1], "fence", 1)
redis.call("HSET", KEYS[1], "owner", ARGV[1])
redis.call("HDEL", KEYS[1], "lost")
redis.call("PERSIST", KEYS[1])
redis.call("SET", KEYS[2], ARGV[1] .. "#" .. fence, "PX", ARGV[2])
return {fence, epoch}`;

/** KEYS: job, lease. ARGV: retention. Marks a job whose owner was lost (a call), kept for the retention. */
const MARK_LOST = `
if redis.call("EXISTS", KEYS[2]) == 1 or redis.call("HGET", KEYS[1], "lost") == "1" then return 0 end
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
redis.call("HSET", KEYS[1], "lost", "1")
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return 1`;

/** KEYS: lease. ARGV: node, fence, ttl. 1 when the caller still holds the lease with that fence. */
const RENEW = `
if redis.call("GET", KEYS[1]) ~= ARGV[1] .. "#" .. ARGV[2] then return 0 end
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 1`;

/** KEYS: job, lease. ARGV: node, fence. Frees the lease (the job stays for another node to take). */
const RELEASE = `
if redis.call("GET", KEYS[2]) ~= ARGV[1] .. "#" .. ARGV[2] then return 0 end
redis.call("DEL", KEYS[2])
redis.call("HSET", KEYS[1], "owner", "")
return 1`;

/**
 * KEYS: job, lease, jobs. ARGV: node, fence, job id. Deletes the job (terminated by its owner). Fenced
 * by the job's owner and counter, not by the lease: a job ended while Redis was away must go although
 * its lease ran out meanwhile, unless another node took it since (which bumped the counter).
 */
const REMOVE = `
local job = redis.call("HMGET", KEYS[1], "owner", "fence")
if job[1] and (job[1] ~= ARGV[1] or job[2] ~= ARGV[2]) then return 0 end
redis.call("DEL", KEYS[1], KEYS[2])
redis.call("SREM", KEYS[3], ARGV[3])
return 1`;

/** KEYS: job, lease. ARGV: node, fence, field, value. A write of the lease holder only (fenced). */
const UPDATE = `
if redis.call("GET", KEYS[2]) ~= ARGV[1] .. "#" .. ARGV[2] then return 0 end
redis.call("HSET", KEYS[1], ARGV[3], ARGV[4])
return 1`;

/** KEYS: streams. ARGV: name, node. Forgets a stream only if this node still has it. */
const UNSET_STREAM = `
if redis.call("HGET", KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call("HDEL", KEYS[1], ARGV[1])`;

export interface NodeInfo {
  readonly id: string;
  /** host other nodes reach this one at */
  readonly address: string;
  /** listener name -> port (http, ws, rtmp) */
  readonly ports: Readonly<Record<string, number>>;
  readonly startedAt: number;
}

export type JobKind = "push" | "pull" | "call";

export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  /** the REST request that created the job (JSON) */
  readonly spec: Record<string, unknown>;
  /** node holding the lease, "" when free */
  readonly owner: string;
  readonly fence: number;
  /** reconnects of the job so far (written by its owner) */
  readonly reconnects: number;
  /** its owner was lost and it could not move (a call): kept a while to be listed as FAILED */
  readonly lost: boolean;
}

/** A held lease: the proof a node presents with every write to its job. */
export interface Lease {
  readonly jobId: string;
  readonly fence: number;
  /** the store's epoch when it was taken (see key.epoch) */
  readonly epoch: string;
}

/** A claim's outcome: the lease, "held" by another node, or "removed" from the cluster since it was stored. */
export type Claim = Lease | "held" | "removed";

export interface ClusterStoreOptions {
  readonly url: string;
  readonly nodeId: string;
  /** ms a heartbeat or lease lives without renewal */
  readonly ttlMs: number;
}

export class ClusterStore {
  readonly nodeId: string;
  readonly ttlMs: number;
  private readonly redis: Redis;

  constructor(options: ClusterStoreOptions) {
    this.nodeId = options.nodeId;
    this.ttlMs = options.ttlMs;
    // No offline queue: while Redis is away a command fails at once, so the node reports itself
    // degraded and serves on, instead of piling up writes that would replay stale state later.
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(1000, options.ttlMs / 3),
      // every node is back within a third of the TTL of Redis: before any of them may take over a job
      // (a TTL after it registered), the owners have stored what they did while Redis was away
      retryStrategy: (times) => Math.min(250 * times, Math.max(250, options.ttlMs / 3)),
    });
    // connection errors surface as failed commands; the client reconnects by itself
    this.redis.on("error", () => {});
  }

  /** Connects; rejects when Redis is not reachable now (the client keeps trying in the background). */
  async connect(): Promise<void> {
    if (this.redis.status === "wait") await this.redis.connect();
  }

  /** Calls `fn` each time the connection to Redis is (re-)established. */
  onReady(fn: () => void): void {
    this.redis.on("ready", fn);
  }

  get connected(): boolean {
    return this.redis.status === "ready";
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  // ---- nodes

  /** Writes (or refreshes) this node's heartbeat. */
  /** Writes this node's heartbeat; false when the last one had expired (other nodes may have counted this one lost). */
  async heartbeat(info: NodeInfo): Promise<boolean> {
    const replies = await this.redis.multi().exists(key.node(info.id)).set(key.node(info.id), JSON.stringify(info), "PX", this.ttlMs).sadd(key.nodes, info.id).exec();
    return replies?.[0]?.[1] === 1;
  }

  /** Removes this node's heartbeat at once (a clean stop), so others need not wait for the TTL. */
  async leave(): Promise<void> {
    await this.redis.multi().del(key.node(this.nodeId)).srem(key.nodes, this.nodeId).exec();
  }

  /** Nodes whose heartbeat is alive. */
  async liveNodes(): Promise<NodeInfo[]> {
    const ids = (await this.redis.smembers(key.nodes)).sort();
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map(key.node));
    return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as NodeInfo]));
  }

  /** Ids of nodes seen before whose heartbeat has expired, and drops them from the node set. */
  async lostNodes(): Promise<string[]> {
    const ids = await this.redis.smembers(key.nodes);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map(key.node));
    // never this node: its own heartbeat lapsing is found and mended by its next heartbeat
    const lost = ids.filter((id, i) => values[i] === null && id !== this.nodeId);
    if (lost.length > 0) await this.redis.srem(key.nodes, ...lost);
    return lost;
  }

  // ---- streams

  async setStream(name: string): Promise<void> {
    await this.redis.hset(key.streams, name, this.nodeId);
  }

  async unsetStream(name: string): Promise<void> {
    await this.redis.eval(UNSET_STREAM, 1, key.streams, name, this.nodeId);
  }

  /** The node that has the stream, if any (it may be a lost node: check liveNodes). */
  async streamNode(name: string): Promise<string | undefined> {
    return (await this.redis.hget(key.streams, name)) ?? undefined;
  }

  async streams(): Promise<Record<string, string>> {
    return this.redis.hgetall(key.streams);
  }

  /** Forgets every stream of a lost node. */
  async dropStreamsOf(nodeId: string): Promise<void> {
    const all = await this.streams();
    const names = Object.keys(all).filter((name) => all[name] === nodeId);
    for (const name of names) await this.redis.eval(UNSET_STREAM, 1, key.streams, name, nodeId);
  }

  // ---- jobs and leases

  /** Stores a new job and takes its lease for this node in one step. */
  async createJob(id: string, kind: JobKind, spec: Record<string, unknown>): Promise<Lease> {
    const claim = await this.claim(id, kind, spec);
    if (typeof claim === "string") throw new Error(`job ${id} is held by another node`);
    return claim;
  }

  /**
   * Takes the lease of a job this node runs, storing the job when Redis lacks it (new, or Redis came
   * back empty); `storedIn`, the epoch of the lease it had, tells a job removed from the cluster since
   * (stop it) from one Redis lost. "held": another node holds it (this node lost it: stop the job).
   */
  async claim(id: string, kind: JobKind, spec: Record<string, unknown>, storedIn = ""): Promise<Claim> {
    const [fence, epoch] = (await this.redis.eval(CLAIM, 4, key.job(id), key.lease(id), key.jobs, key.epoch, this.nodeId, this.ttlMs, kind, JSON.stringify(spec), id, storedIn, randomUUID())) as [number, string];
    if (fence === -1) return "removed";
    return fence > 0 ? { jobId: id, fence, epoch } : "held";
  }

  /** Marks a free job lost (its node died and it cannot move); Redis forgets it after `retentionMs`. */
  async markLost(jobId: string, retentionMs: number): Promise<boolean> {
    return Number(await this.redis.eval(MARK_LOST, 2, key.job(jobId), key.lease(jobId), retentionMs)) === 1;
  }

  /** Takes a free lease: the lease with a new fence, or undefined when another node holds it. */
  async take(jobId: string): Promise<Lease | undefined> {
    const [fence, epoch] = (await this.redis.eval(TAKE, 3, key.job(jobId), key.lease(jobId), key.epoch, this.nodeId, this.ttlMs, randomUUID())) as [number, string];
    if (fence === -1) throw new Error(`no such job: ${jobId}`);
    return fence > 0 ? { jobId, fence, epoch } : undefined;
  }

  /** Extends a held lease; false when it ran out or another node took it since (stop the job). */
  async renew(lease: Lease): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, key.lease(lease.jobId), this.nodeId, lease.fence, this.ttlMs)) === 1;
  }

  /** Frees a held lease so another node may take the job at once; false when it was no longer held. */
  async release(lease: Lease): Promise<boolean> {
    return Number(await this.redis.eval(RELEASE, 2, key.job(lease.jobId), key.lease(lease.jobId), this.nodeId, lease.fence)) === 1;
  }

  /** Deletes a job this node took last (it was terminated); false when another node took it since. */
  async removeJob(lease: Lease): Promise<boolean> {
    return Number(await this.redis.eval(REMOVE, 3, key.job(lease.jobId), key.lease(lease.jobId), key.jobs, this.nodeId, lease.fence, lease.jobId)) === 1;
  }

  /** Replaces the job's spec; refused (false) unless the lease is held with this fence. */
  async updateSpec(lease: Lease, spec: Record<string, unknown>): Promise<boolean> {
    return this.update(lease, "spec", JSON.stringify(spec));
  }

  /** Writes the job's reconnects; refused (false) unless the lease is held with this fence. */
  async updateReconnects(lease: Lease, reconnects: number): Promise<boolean> {
    return this.update(lease, "reconnects", String(reconnects));
  }

  private async update(lease: Lease, field: string, value: string): Promise<boolean> {
    return Number(await this.redis.eval(UPDATE, 2, key.job(lease.jobId), key.lease(lease.jobId), this.nodeId, lease.fence, field, value)) === 1;
  }

  async job(id: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(key.job(id));
    if (!h.kind) return undefined;
    return {
      id,
      kind: h.kind as JobKind,
      spec: JSON.parse(h.spec ?? "{}") as Record<string, unknown>,
      owner: h.owner ?? "",
      fence: Number(h.fence ?? 0),
      reconnects: Number(h.reconnects ?? 0),
      lost: h.lost === "1",
    };
  }

  async jobs(): Promise<JobRecord[]> {
    const ids = (await this.redis.smembers(key.jobs)).sort();
    const records = await Promise.all(ids.map((id) => this.job(id)));
    // lost jobs expire by themselves: their ids leave the set here
    const expired = ids.filter((_, i) => records[i] === undefined);
    if (expired.length > 0) await this.redis.srem(key.jobs, ...expired);
    return records.filter((r): r is JobRecord => r !== undefined);
  }

  /** Jobs whose lease nobody holds (their owner released them or was lost), lost ones left out. */
  async freeJobs(): Promise<JobRecord[]> {
    const all = (await this.jobs()).filter((j) => !j.lost);
    if (all.length === 0) return [];
    const leases = await this.redis.mget(all.map((j) => key.lease(j.id)));
    return all.filter((_, i) => leases[i] === null);
  }
}
