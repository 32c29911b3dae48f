import * as assert from "uvu/assert";
import { ClusterStore, type NodeInfo } from "../../src/cluster/store.ts";
import { e2eSuite } from "../support/e2e.ts";
import { waitFor } from "../support/net.ts";
import { RedisServer } from "../support/redis.ts";

const test = e2eSuite("cluster/store (real redis-server)", ["redis-server"]);

let redis: RedisServer;
const stores: ClusterStore[] = [];

async function store(nodeId: string, ttlMs = 400): Promise<ClusterStore> {
  const s = new ClusterStore({ url: redis.url, nodeId, ttlMs });
  stores.push(s);
  await s.connect();
  return s;
}

const info = (id: string): NodeInfo => ({ id, address: "127.0.0.1", ports: { http: 1 }, startedAt: Date.now() });

test.before(async () => {
  redis = await RedisServer.start();
});

test.after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.dispose();
});

test("a heartbeat lives for the TTL: the node is live, then lost once it stops beating", async () => {
  const a = await store("hb-a", 300);
  const b = await store("hb-b", 300);
  await a.heartbeat(info("hb-a"));
  await b.heartbeat(info("hb-b"));
  assert.equal((await b.liveNodes()).map((n) => n.id).filter((id) => id.startsWith("hb-")), ["hb-a", "hb-b"]);
  const beat = setInterval(() => void b.heartbeat(info("hb-b")), 100);
  try {
    const lost = await waitFor("hb-a's heartbeat to expire", async () => {
      const ids = await b.lostNodes();
      return ids.includes("hb-a") ? ids : undefined;
    }, 5000, 50);
    assert.not.ok(lost.includes("hb-b"), "a node that keeps beating is not lost");
    assert.equal((await b.liveNodes()).map((n) => n.id).filter((id) => id.startsWith("hb-")), ["hb-b"]);
    assert.equal(await b.lostNodes(), [], "a lost node is reported once");
  } finally {
    clearInterval(beat);
  }
});

test("two contenders for a free lease: exactly one owner, every time", async () => {
  const a = await store("race-a");
  const b = await store("race-b");
  for (let round = 0; round < 20; round++) {
    const id = `race-${round}`;
    const lease = await a.createJob(id, "push", { streamName: "s" });
    await a.release(lease);
    const [la, lb] = await Promise.all([a.take(id), b.take(id)]);
    assert.ok((la === undefined) !== (lb === undefined), `round ${round}: one winner, got ${JSON.stringify([la, lb])}`);
    const winner = la ? "race-a" : "race-b";
    assert.is((await a.job(id))!.owner, winner);
    assert.is((la ?? lb)!.fence, lease.fence + 1, "each take bumps the fence");
  }
});

test("a held lease is not taken; a lease that is not renewed runs out and another node takes it", async () => {
  const a = await store("exp-a", 300);
  const b = await store("exp-b", 300);
  const lease = await a.createJob("exp-job", "pull", { uri: "ws://x" });
  assert.is(await b.take("exp-job"), undefined, "held by a");
  assert.ok(await a.renew(lease));
  const taken = await waitFor("a's lease to run out", () => b.take("exp-job"), 5000, 50);
  assert.is(taken.fence, lease.fence + 1);
  assert.is((await b.job("exp-job"))!.owner, "exp-b");
  assert.equal((await b.job("exp-job"))!.spec, { uri: "ws://x" }, "the spec survives the move");
});

test("fencing: the stale owner can neither renew, write, release nor remove; the new owner can", async () => {
  const a = await store("fence-a", 300);
  const b = await store("fence-b", 300);
  const stale = await a.createJob("fence-job", "push", { v: 1 });
  const fresh = await waitFor("the lease to pass to b", () => b.take("fence-job"), 5000, 50);
  assert.not.ok(await a.renew(stale), "renew with the old fence");
  assert.not.ok(await a.updateSpec(stale, { v: "stale" }), "write with the old fence");
  assert.not.ok(await a.release(stale), "release with the old fence");
  assert.not.ok(await a.removeJob(stale), "remove with the old fence");
  assert.equal((await b.job("fence-job"))!.spec, { v: 1 });
  assert.ok(await b.updateSpec(fresh, { v: 2 }));
  assert.equal((await a.job("fence-job"))!.spec, { v: 2 });
  // a takes it back after b releases: b's fence is stale in turn
  assert.ok(await b.release(fresh));
  const again = (await a.take("fence-job"))!;
  assert.is(again.fence, fresh.fence + 1);
  assert.not.ok(await b.renew(fresh));
  assert.ok(await a.removeJob(again));
  assert.is(await a.job("fence-job"), undefined);
  assert.not.ok((await a.jobs()).some((j) => j.id === "fence-job"));
});

test("an owner whose lease ran out still removes its job (ended while Redis was away), unless another node took it since", async () => {
  const a = await store("gone-a", 300);
  const b = await store("gone-b", 300);
  const ended = await a.createJob("gone-ended", "push", {});
  const moved = await a.createJob("gone-moved", "push", {});
  await waitFor("b to take one lease that ran out", () => b.take("gone-moved"), 5000, 50);
  assert.ok(await a.removeJob(ended), "the lease ran out but nobody took the job: a's removal holds");
  assert.is(await b.job("gone-ended"), undefined);
  assert.not.ok(await a.removeJob(moved), "b took it since: a's removal is refused");
  assert.is((await b.job("gone-moved"))!.owner, "gone-b");
});

test("free jobs are the ones whose lease nobody holds; taking a job that does not exist throws", async () => {
  const a = await store("free-a", 5000);
  const held = await a.createJob("free-held", "call", {});
  const released = await a.createJob("free-released", "call", {});
  await a.release(released);
  const free = (await a.freeJobs()).map((j) => j.id);
  assert.ok(free.includes("free-released"));
  assert.not.ok(free.includes("free-held"));
  await a.removeJob(held);
  try {
    await a.take("no-such-job");
    assert.unreachable("take of a missing job");
  } catch (err) {
    assert.match((err as Error).message, /no such job: no-such-job/);
  }
});

test("the stream map: a node forgets only its own streams", async () => {
  const a = await store("map-a");
  const b = await store("map-b");
  await a.setStream("cam1");
  await b.setStream("cam2");
  assert.is(await b.streamNode("cam1"), "map-a");
  await b.unsetStream("cam1");
  assert.is(await a.streamNode("cam1"), "map-a", "b cannot remove a's stream");
  await a.unsetStream("cam1");
  assert.is(await a.streamNode("cam1"), undefined);
  await a.dropStreamsOf("map-b");
  assert.is(await a.streamNode("cam2"), undefined, "a lost node's streams are dropped");
});

test("while Redis is away commands fail at once (no queue) and the client reconnects when it is back", async () => {
  const a = await store("away-a");
  await redis.stop();
  const started = Date.now();
  let failed = false;
  await a.heartbeat(info("away-a")).catch(() => (failed = true));
  assert.ok(failed, "heartbeat without Redis fails");
  assert.ok(Date.now() - started < 3000, "fails fast");
  await redis.restart();
  await waitFor("the client to reconnect", () => (a.connected ? true : undefined), 10000, 50);
  await a.heartbeat(info("away-a"));
  assert.ok((await a.liveNodes()).some((n) => n.id === "away-a"));
});

test.run();
