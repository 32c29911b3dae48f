/**
 * The jobs REST created on this node (transponders, relays, calls), kept in Redis with an owner lease
 * so they outlive the node. Each heartbeat this node renews the leases of what it runs, writes their
 * reconnects, and forgets what ended. When a node is lost (its leases run out), a live node where a
 * job's source stream is takes the job over under the same id, counting the move as a reconnect; a
 * pull from another server is taken by any live node; a SIP call cannot move (its dialog lives in the
 * lost node's sockets) and is listed FAILED "node lost" for a while (posted once as a CallStatusEvent). A node that finds its lease
 * taken by another (it was cut off from Redis for longer than the lease) stops the job: fencing.
 * A job an operator terminated here is ended wherever it runs by the time Redis learns of it.
 */
import type { CallRegistry } from "../core/call/calls.ts";
import type { CallJob } from "../core/call/job.ts";
import type { JobResume } from "../core/job-resume.ts";
import type { PushRequest, TransponderRegistry } from "../core/push/transponders.ts";
import type { Relay } from "../core/relay/relay.ts";
import type { RelayRegistry, RelayRequest } from "../core/relay/relays.ts";
import type { StreamHub } from "../core/stream/hub.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { callNode } from "./node.ts";
import type { ClusterStore, JobKind, JobRecord, Lease } from "./store.ts";

/** How long a lost call stays listed: as long as a node keeps a finished call of its own. */
const LOST_CALL_RETENTION_MS = 60_000;
export const NODE_LOST = "node lost";

export interface JobRegistries {
  readonly transponders: TransponderRegistry;
  readonly relays: RelayRegistry;
  readonly calls: CallRegistry;
  /** a call as REST shows it (WCS Call object): what a lost call is listed with */
  readonly describeCall: (call: CallJob) => Record<string, unknown>;
  /** posts a call's CallStatusEvent through the REST hook (a lost call's, here) */
  readonly postCallStatus: (call: Record<string, unknown>) => void;
}

interface HeldJob {
  readonly kind: JobKind;
  spec: Record<string, unknown>;
  /** undefined while Redis is away: claimed at the next heartbeat */
  lease?: Lease;
  reconnects: number;
  /** ended by an operator's terminate: it must end in the cluster, also where another node runs it */
  terminated?: boolean;
}

/** A job as it runs here: what Redis should say about it. */
interface Running {
  readonly spec: Record<string, unknown>;
  readonly reconnects: number;
}

/** A relay spec as the request that makes it again (`direction` picks push or pull). */
interface RelayJobSpec extends RelayRequest {
  readonly direction: "push" | "pull";
}

export class ClusterJobs {
  private readonly held = new Map<string, HeldJob>();
  /** jobs this node could not start on takeover, so each is logged once */
  private readonly refused = new Set<string>();
  /** jobs whose terminate is being sent to the node that runs them now, so one is in flight at a time */
  private readonly forwarding = new Set<string>();

  constructor(
    private readonly store: ClusterStore,
    private readonly registries: JobRegistries,
    private readonly hub: StreamHub,
    /** names this node pulls from another node (edge pulls): never a job's source */
    private readonly isEdge: (name: string) => boolean,
    /** cluster.secret, for the terminates this node sends to the node that took its job */
    private readonly secret: string,
    private readonly log: Logger,
  ) {}

  /**
   * A job REST just created here: stored in Redis with this node's lease (later, if Redis is away).
   * Held only once the claim has answered: a heartbeat that found it held without a lease would claim
   * it again, find this node's own lease and stop the job as taken.
   */
  async adopt(kind: JobKind, id: string): Promise<void> {
    const running = this.running(kind, id);
    if (!running) return;
    const job: HeldJob = { kind, spec: running.spec, reconnects: running.reconnects };
    try {
      const claim = await this.store.claim(id, kind, job.spec);
      job.lease = typeof claim === "string" ? undefined : claim;
    } catch (err) {
      this.log.debug("cluster: job stored when Redis is back", { job: id, error: errorMessage(err) });
    }
    this.held.set(id, job);
  }

  /** Runs an operator's terminate: the jobs it ends here are ended for the whole cluster. */
  async terminate<T>(run: () => T | Promise<T>): Promise<T> {
    const before = [...this.held].filter(([id, job]) => this.running(job.kind, id));
    const result = await run();
    for (const [id, job] of before) if (!this.running(job.kind, id)) job.terminated = true;
    return result;
  }

  /** Ids of this node's calls (a startup's new call is the one id that was not there before). */
  callIds(): string[] {
    return this.registries.calls.all().map((c) => c.request.callId);
  }

  /** Calls whose node was lost, as kept in Redis for a while. */
  async lostCalls(): Promise<JobRecord[]> {
    return (await this.store.jobs()).filter((j) => j.kind === "call" && j.lost);
  }

  /**
   * Once per heartbeat, before the heartbeat itself: keeps this node's jobs true in Redis, in the order
   * they were made. What changed while Redis was away (a job started, one ended) is written here when it
   * is back, before this node counts as live again.
   */
  async keepOwn(): Promise<void> {
    for (const [id, job] of [...this.held]) await this.keep(id, job);
  }

  /** Takes over the jobs of lost nodes (free leases). */
  async takeOverLost(): Promise<void> {
    for (const node of await this.store.lostNodes()) {
      this.log.warn("cluster: node lost (heartbeat expired); its jobs move where their source is", { node });
      await this.store.dropStreamsOf(node);
    }
    const free = await this.store.freeJobs();
    if (free.length === 0) return;
    const live = new Set((await this.store.liveNodes()).map((n) => n.id));
    for (const record of free) await this.takeOver(record, live);
  }

  /** Clean stop: this node's jobs end with it (as on a single node), so Redis forgets them. */
  async close(): Promise<void> {
    for (const job of this.held.values()) if (job.lease) await this.store.removeJob(job.lease).catch(() => {});
    this.held.clear();
  }

  private async keep(id: string, job: HeldJob): Promise<void> {
    const running = this.running(job.kind, id);
    if (!running) return this.forget(id, job);
    if (job.lease && (await this.store.renew(job.lease))) return this.write(job, job.lease, running);
    // a call cannot be ended elsewhere while this node is cut off: one Redis forgot is stored again
    const claim = await this.store.claim(id, job.kind, running.spec, job.kind === "call" ? "" : job.lease?.epoch);
    if (typeof claim !== "string") {
      job.lease = claim;
      return this.write(job, claim, running);
    }
    this.held.delete(id);
    if (claim === "removed") {
      this.log.warn("cluster: job terminated in the cluster while this node was cut off from Redis; stopped here", { job: id });
      return this.stop(job.kind, id, "Terminated on another node while this node was cut off from Redis");
    }
    const owner = (await this.store.job(id))?.owner ?? "another node";
    this.log.warn("cluster: lease lost while cut off from Redis; the job runs on another node now, stopped here", { job: id, owner });
    this.stop(job.kind, id, `Taken over by node ${owner}: this node lost its lease`);
  }

  /** A job that ended here, forgotten once Redis has the removal: if Redis is away, the next heartbeat tries again. */
  private async forget(id: string, job: HeldJob): Promise<void> {
    if (!job.lease || (await this.store.removeJob(job.lease))) return void this.held.delete(id);
    // Another node took the job while this one was cut off from Redis. One that ended by itself here
    // (its source left) runs on there; one an operator terminated must end there too.
    if (job.terminated) await this.endMoved(id);
    else this.held.delete(id);
  }

  /**
   * Ends a job an operator terminated here that another node took while this one was cut off: a job
   * nobody holds is taken and removed; a held one is terminated by its holder, called with the cluster
   * secret as a forwarded REST terminate is, so it ends there as any terminate does (status event,
   * removal from Redis by its lease). Kept here until Redis has no such job. Chosen over a tombstone
   * that takeover honours: the takeover has happened by the time this node is back, so every holder
   * would have to check tombstones at each renewal as well.
   */
  private async endMoved(id: string): Promise<void> {
    const record = await this.store.job(id);
    if (!record) return void this.held.delete(id);
    const lease = await this.store.take(id).catch(() => undefined);
    if (lease && (await this.store.removeJob(lease))) {
      this.log.info("cluster: a job terminated here while Redis was away was stored for another node since; removed", { job: id, from: record.owner });
      this.held.delete(id);
      return;
    }
    if (!this.forwarding.has(id)) {
      this.forwarding.add(id);
      void this.terminateOnHolder(record).finally(() => this.forwarding.delete(id));
    }
  }

  /** Not awaited by the heartbeat: a holder slow to answer must not hold up this node's renewals. */
  private async terminateOnHolder(record: JobRecord): Promise<void> {
    const [route, body] = record.kind === "push" ? ["push/terminate", { mediaSessionId: record.id }] : ["pull/terminate", { localMediaSessionId: record.id }];
    try {
      const holder = (await this.store.liveNodes()).find((n) => n.id === record.owner);
      // a holder that is not live lets its lease run out: the job is taken and removed at a later heartbeat
      if (!holder) return;
      const answer = await callNode(holder, route, body, this.secret);
      if (answer.status === 200) this.log.warn("cluster: a job terminated here while Redis was away runs on another node since; terminated there", { job: record.id, node: holder.id });
    } catch (err) {
      this.log.debug("cluster: terminate of a moved job not sent; tried again at the next heartbeat", { job: record.id, node: record.owner, error: errorMessage(err) });
    }
  }

  private async write(job: HeldJob, lease: Lease, running: Running): Promise<void> {
    if (running.reconnects !== job.reconnects && (await this.store.updateReconnects(lease, running.reconnects))) job.reconnects = running.reconnects;
    // a call's last known object is what a lost call is listed with; its status is what matters
    if (job.kind === "call" && running.spec.status !== job.spec.status && (await this.store.updateSpec(lease, running.spec))) job.spec = running.spec;
  }

  private async takeOver(record: JobRecord, live: ReadonlySet<string>): Promise<void> {
    if (record.kind === "call") {
      if (record.owner !== "" && !live.has(record.owner) && (await this.store.markLost(record.id, LOST_CALL_RETENTION_MS))) {
        this.log.warn("cluster: call lost with its node (a SIP dialog cannot move)", { callId: record.id, node: record.owner });
        this.registries.postCallStatus(lostCallObject(record));
      }
      return;
    }
    const source = this.sourceOf(record);
    if (source !== undefined && (!this.hub.get(source) || this.isEdge(source))) return;
    if (source === undefined && this.hub.get(String((record.spec as Partial<RelayJobSpec>).localStreamName))) return;
    const lease = await this.store.take(record.id).catch(() => undefined);
    if (!lease) return;
    const resume: JobResume = { id: record.id, reconnects: record.reconnects + 1 };
    try {
      await this.start(record, resume);
    } catch (err) {
      await this.store.release(lease);
      if (!this.refused.has(record.id)) this.log.warn("cluster: could not take over a job", { job: record.id, kind: record.kind, error: errorMessage(err) });
      this.refused.add(record.id);
      return;
    }
    this.refused.delete(record.id);
    this.held.set(record.id, { kind: record.kind, spec: record.spec, lease, reconnects: resume.reconnects });
    this.log.info("cluster: job taken over from a lost node", { job: record.id, kind: record.kind, from: record.owner, reconnects: resume.reconnects });
  }

  /** The stream a job republishes (it moves to the node that has it); undefined: any node may run it. */
  private sourceOf(record: JobRecord): string | undefined {
    if (record.kind === "push") return (record.spec as unknown as PushRequest).streamName;
    const spec = record.spec as unknown as RelayJobSpec;
    return spec.direction === "push" ? spec.localStreamName : undefined;
  }

  private async start(record: JobRecord, resume: JobResume): Promise<void> {
    if (record.kind === "push") {
      await this.registries.transponders.startup(record.spec as unknown as PushRequest, resume);
      return;
    }
    const { direction, ...request } = record.spec as unknown as RelayJobSpec;
    if (direction === "push") this.registries.relays.push(request, resume);
    else this.registries.relays.pull(request, resume);
  }

  private running(kind: JobKind, id: string): Running | undefined {
    const { transponders, relays, calls } = this.registries;
    if (kind === "push") {
      const found = transponders.all().find((r) => r.transponder.options.id === id);
      return found && { spec: { ...found.request }, reconnects: found.transponder.reconnects };
    }
    if (kind === "pull") {
      const relay = relays.find({ localMediaSessionId: id })[0];
      return relay && { spec: { ...relaySpec(relay) }, reconnects: relay.reconnects };
    }
    const call = calls.all().find((c) => c.request.callId === id && !c.isFinal);
    return call && { spec: this.registries.describeCall(call), reconnects: 0 };
  }

  private stop(kind: JobKind, id: string, reason: string): void {
    if (kind === "push") this.registries.transponders.all().find((r) => r.transponder.options.id === id)?.transponder.stop(reason);
    else if (kind === "pull") this.registries.relays.find({ localMediaSessionId: id })[0]?.stop(reason);
  }
}

function relaySpec(relay: Relay): RelayJobSpec {
  const s = relay.spec;
  return { direction: s.direction, uri: s.uri, localStreamName: s.localStreamName, remoteStreamName: s.remoteStreamName, hasAudio: s.hasAudio, hasVideo: s.hasVideo, record: s.record };
}

/** A lost call as `/call/find` lists it: its last known object, FAILED with the reason. */
export function lostCallObject(record: JobRecord): Record<string, unknown> {
  return { ...record.spec, status: "FAILED", info: NODE_LOST, nodeId: record.owner };
}
