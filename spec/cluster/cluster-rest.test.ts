/**
 * Three nodes (in-process apps on their own ports) and one real redis-server: every node answers
 * the REST API for the whole cluster, actions reach the node that owns the object, and the internal
 * routes refuse callers without the cluster secret.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import * as assert from "uvu/assert";
import type { App } from "../../src/app.ts";
import type { ConfigOverrides } from "../../src/config.ts";
import type { MediaSource } from "../../src/core/stream/media-sink.ts";
import { ConfigError } from "../../src/errors.ts";
import { e2eSuite } from "../support/e2e.ts";
import { CLUSTER_TEST_SECRET, startClusterNode } from "../support/cluster.ts";
import { sleep, waitFor } from "../support/net.ts";
import { RedisServer } from "../support/redis.ts";

const test = e2eSuite("cluster REST (three nodes, real redis-server)", ["redis-server"]);
const SECRET = CLUSTER_TEST_SECRET;
/** cluster.heartbeat_timeout of the test nodes (spec/support/cluster.ts): a heartbeat every third of it */
const TTL_MS = 1500;

let redis: RedisServer;
let dir: string;
const nodes: App[] = [];

async function startNode(id: string, overrides: ConfigOverrides = {}): Promise<App> {
  const app = await startClusterNode(redis.url, dir, id, overrides);
  nodes.push(app);
  return app;
}

async function rest(app: App, path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${app.ports.http}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

const source: MediaSource = { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} };
const sorted = (items: any[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

test.before(async () => {
  redis = await RedisServer.start();
  dir = mkdtempSync(join(tmpdir(), "transpond-cluster-rest-"));
  for (const id of ["n1", "n2", "n3"]) await startNode(id);
});

test.after(async () => {
  for (const app of nodes) await app.close();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("every node lists the three live nodes with their REST ports, status ok", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  for (const app of [n1, n2, n3]) {
    const answer = await rest(app, "/rest-api/cluster/nodes");
    assert.is(answer.status, 200);
    assert.is(answer.body.status, "ok");
    assert.is(answer.body.nodeId, app.cluster!.nodeId);
    assert.equal(answer.body.nodes.map((n: any) => n.id), ["n1", "n2", "n3"]);
    assert.equal(answer.body.nodes.map((n: any) => n.ports.http), [n1.ports.http, n2.ports.http, n3.ports.http]);
  }
  const get = await fetch(`http://127.0.0.1:${n1.ports.http}/rest-api/cluster/nodes`);
  assert.is(get.status, 200, "also as GET");
  assert.not.match(await get.text(), SECRET, "the secret is never returned");
});

test("stream find_all on any node lists every node's streams with their nodeId, the same everywhere", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  n1.hub.publish("cam1", source);
  n2.hub.publish("cam2", source);
  const answers = await Promise.all([n1, n2, n3].map((app) => rest(app, "/rest-api/stream/find_all")));
  for (const answer of answers) {
    assert.is(answer.status, 200);
    assert.equal(sorted(answer.body.map((s: any) => ({ name: s.name, nodeId: s.nodeId }))), [{ name: "cam1", nodeId: "n1" }, { name: "cam2", nodeId: "n2" }]);
  }
  // uptimeMs is read when each node answers, so it differs by the milliseconds between the two answers.
  const withoutUptime = (body: any[]) => sorted(body.map(({ uptimeMs, ...rest }: any) => (assert.type(uptimeMs, "number"), rest)));
  assert.equal(withoutUptime(answers[0]!.body), withoutUptime(answers[2]!.body), "n1 and n3 list the same objects");
  const one = await rest(n3, "/rest-api/stream/find", { name: "cam2" });
  assert.equal(one.body.map((s: any) => s.nodeId), ["n2"]);
  assert.is((await rest(n3, "/rest-api/stream/find", { name: "none" })).status, 404);
});

test("/push/startup on n2 for n1's stream runs on n1; find_all everywhere shows it on n1; mute and terminate sent to other nodes reach it", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  const started = await rest(n2, "/rest-api/push/startup", { streamName: "cam1", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
  assert.is(started.status, 200, JSON.stringify(started.body));
  assert.is(n1.transponders.all().length, 1, "the transponder runs where the stream is");
  assert.is(n2.transponders.all().length, 0);
  const id = started.body.mediaSessionId as string;
  for (const app of [n1, n2, n3]) {
    const found = await rest(app, "/rest-api/push/find_all");
    assert.equal(found.body.map((t: any) => [t.mediaSessionId, t.nodeId]), [[id, "n1"]]);
  }
  assert.is((await rest(n3, "/rest-api/push/mute", { mediaSessionId: id })).status, 200);
  assert.is(n1.transponders.get(id).transponder.options.audio.muted, true, "mute forwarded to n1");
  const gone = await rest(n2, "/rest-api/push/terminate", { mediaSessionId: id });
  assert.is(gone.status, 200);
  assert.is(n1.transponders.all().length, 0, "terminate forwarded to n1");
  const again = await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id });
  assert.is(again.status, 404, "nothing left anywhere: 404");
  assert.is((await rest(n3, "/rest-api/push/find_all")).status, 404);
});

test("a push/startup whose claim Redis answers after heartbeats have run keeps its transponder: no heartbeat claims the job again and takes this node's own lease for another's", async () => {
  const [n1, , n3] = nodes as [App, App, App];
  const store = n1.cluster!.store;
  const claim = store.claim.bind(store);
  let claims = 0;
  store.claim = async (...args: Parameters<typeof claim>) => {
    const answer = await claim(...args);
    if (claims++ === 0) await sleep(TTL_MS); // the startup's answer comes three heartbeats late
    return answer;
  };
  const stopped: string[] = [];
  const unsubscribe = n1.transponders.on("state", ({ to, transponder }) => void (to === "STOPPED" && stopped.push(transponder.lastError)));
  try {
    const started = await rest(n1, "/rest-api/push/startup", { streamName: "cam1", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
    assert.is(started.status, 200, JSON.stringify(started.body));
    const id = started.body.mediaSessionId as string;
    await sleep(TTL_MS); // three heartbeats with the lease in hand
    assert.equal(stopped, [], "the transponder was never stopped");
    assert.equal(n1.transponders.all().map((r) => r.transponder.options.id), [id]);
    assert.is((await n3.cluster!.store.job(id))?.owner, "n1");
    assert.is((await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
  } finally {
    store.claim = claim;
    unsubscribe();
  }
});

test("/stream/terminate sent to n3 ends n2's stream; a push/startup for a stream nowhere is 404", async () => {
  const [, n2, n3] = nodes as [App, App, App];
  assert.is((await rest(n3, "/rest-api/stream/terminate", { name: "cam2" })).status, 200);
  assert.is(n2.hub.get("cam2"), undefined);
  await waitFor("the stream map to forget cam2", async () => ((await n3.cluster!.store.streamNode("cam2")) === undefined ? true : undefined), 5000);
  const nowhere = await rest(n3, "/rest-api/push/startup", { streamName: "cam2", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
  assert.is(nowhere.status, 404);
});

test("the internal routes refuse a caller without the cluster secret (403) and answer with it (this node only)", async () => {
  const [n1] = nodes as [App, App, App];
  assert.is((await rest(n1, "/cluster-api/stream/find_all")).status, 403);
  assert.is((await rest(n1, "/cluster-api/stream/find_all", {}, { "x-transpond-cluster-secret": "wrong" })).status, 403);
  assert.is((await rest(n1, "/cluster-api/stream/terminate", { name: "cam1" }, { "x-transpond-cluster-secret": "x" })).status, 403);
  assert.ok(n1.hub.get("cam1"), "a refused call changes nothing");
  const local = await rest(n1, "/cluster-api/stream/find_all", {}, { "x-transpond-cluster-secret": SECRET });
  assert.is(local.status, 200);
  assert.equal(local.body.map((s: any) => s.name), ["cam1"]);
  assert.is(local.body[0].nodeId, undefined, "the internal answer is the plain local one");
});

test("redis-server gone: find_all, actions and push/startup sent to a node that does not have the object reach its node through the nodes it last knew; what no node has is a 503 naming the store", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  const n4 = await startClusterNode(redis.url, dir, "n4");
  let closing: Promise<void> | undefined;
  const closeN4 = () => (closing ??= n4.close());
  try {
    const started = await rest(n1, "/rest-api/push/startup", { streamName: "cam1", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
    assert.is(started.status, 200, JSON.stringify(started.body));
    const id = started.body.mediaSessionId as string;
    // no REST call reads the node list on n2 from here: it learns of n4 at its heartbeats only
    await sleep(TTL_MS);
    await redis.stop();
    for (const app of [n1, n2, n3]) await waitFor(`${app.cluster!.nodeId} degraded`, () => (app.cluster!.degraded ? true : undefined), 10000, 50);
    const nodeIds = async (app: App) => (await rest(app, "/rest-api/cluster/nodes")).body.nodes.map((n: any) => n.id);
    assert.equal(await nodeIds(n2), ["n1", "n2", "n3", "n4"], "a degraded node lists the nodes of its last heartbeat's read");
    await closeN4(); // a node that went away with Redis: still in the list the others last read

    const listed = await rest(n3, "/rest-api/push/find_all");
    assert.equal(listed.body.map((t: any) => [t.mediaSessionId, t.nodeId]), [[id, "n1"]], "n3 asks the nodes it last knew");
    assert.equal((await rest(n2, "/rest-api/stream/find", { name: "cam1" })).body.map((s: any) => s.nodeId), ["n1"]);
    assert.is((await rest(n2, "/rest-api/push/mute", { mediaSessionId: id })).status, 200);
    assert.is(n1.transponders.get(id).transponder.options.audio.muted, true, "mute sent to n2 reached n1");
    assert.is((await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
    assert.is(n1.transponders.all().length, 0, "terminate sent to n3 reached n1");
    const again = await rest(n3, "/rest-api/push/startup", { streamName: "cam1", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
    assert.is(again.status, 200, JSON.stringify(again.body));
    assert.equal(n1.transponders.all().map((r) => r.transponder.options.id), [again.body.mediaSessionId], "a push/startup sent to n3 runs on n1, which has the stream");
    assert.is((await rest(n2, "/rest-api/push/terminate", { mediaSessionId: again.body.mediaSessionId })).status, 200);
    const nowhere = await rest(n2, "/rest-api/push/startup", { streamName: "none", rtmpUrl: `rtmp://127.0.0.1:${n3.ports.rtmp}/live` });
    assert.is(nowhere.status, 503, JSON.stringify(nowhere.body));
    assert.match(nowhere.body.message, "Stream not found: none: not on this node nor on n1, n3; n4 did not answer. The cluster store (Redis) is unreachable");

    const askedAt = Date.now();
    for (const [path, body] of [["/rest-api/push/terminate", { mediaSessionId: id }], ["/rest-api/push/find_all", {}]] as const) {
      const none = await rest(n2, path, body); // n2 read the node list last at a heartbeat, not through REST
      assert.is(none.status, 503, `${path}: ${JSON.stringify(none.body)}`);
      assert.match(none.body.message, "The cluster store (Redis) is unreachable");
      assert.match(none.body.message, "n1, n3", "it names the nodes it asked");
      assert.match(none.body.message, "n4 did not answer", none.body.message);
    }
    assert.ok(Date.now() - askedAt < 2000, `answered in ${Date.now() - askedAt} ms`);
  } finally {
    await closeN4();
    await redis.restart();
    for (const app of [n1, n2, n3]) {
      await waitFor(`${app.cluster!.nodeId} to register again`, async () => ((await rest(app, "/rest-api/cluster/nodes")).body.status === "ok" ? true : undefined), 10000, 100);
    }
  }
});

test("redis-server gone: every node reports degraded and serves on; back (empty): they register again with their streams", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  await redis.stop();
  for (const app of [n1, n2, n3]) {
    await waitFor(`${app.cluster!.nodeId} to report degraded`, async () => ((await rest(app, "/rest-api/cluster/nodes")).body.status === "degraded" ? true : undefined), 10000, 100);
  }
  const local = await rest(n1, "/rest-api/stream/find", { name: "cam1" });
  assert.is(local.status, 200, "a degraded node still answers for what it has");
  assert.is((await n3.cluster!.streamPeer("cam1"))?.id, "n1", "a player on n3 of n1's stream is sent to n1 (edge pull) by asking the nodes n3 last knew");
  assert.is(await n3.cluster!.streamPeer("nowhere"), undefined);
  await redis.restart();
  for (const app of [n1, n2, n3]) {
    await waitFor(`${app.cluster!.nodeId} to register again`, async () => ((await rest(app, "/rest-api/cluster/nodes")).body.status === "ok" ? true : undefined), 10000, 100);
  }
  await waitFor("all three nodes in the new Redis", async () => ((await rest(n3, "/rest-api/cluster/nodes")).body.nodes.length === 3 ? true : undefined), 10000, 100);
  assert.is(await n3.cluster!.store.streamNode("cam1"), "n1", "the stream map is written again");
  const found = await rest(n3, "/rest-api/stream/find_all");
  assert.equal(found.body.map((s: any) => [s.name, s.nodeId]), [["cam1", "n1"]]);
});

test("a node whose heartbeat expired while it ran (a stall past the timeout) and that others counted lost registers its streams again at its next heartbeat", async () => {
  const [n1, , n3] = nodes as [App, App, App];
  assert.is(await n3.cluster!.store.streamNode("cam1"), "n1");
  // what another node's takeover does once n1's heartbeat key has expired, in one step so n1 cannot beat in between
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    await client.multi().del("transpond:node:n1").srem("transpond:nodes", "n1").hdel("transpond:streams", "cam1").exec();
  } finally {
    client.disconnect();
  }
  await waitFor("cam1 in the stream map again, on n1", async () => ((await n3.cluster!.store.streamNode("cam1")) === "n1" ? true : undefined), TTL_MS * 2, 50);
  const found = await rest(n3, "/rest-api/stream/find", { name: "cam1" });
  assert.equal(found.body.map((s: any) => s.nodeId), ["n1"], "n3 finds n1's stream");
  assert.is((await rest(n1, "/rest-api/cluster/nodes")).body.status, "ok");
});

test("a cluster without a secret, or with a URL that is not redis://, does not start (the error names the key)", async () => {
  for (const [overrides, key] of [
    [{ "cluster.secret": "" }, "cluster.secret"],
    [{ "cluster.redis_url": "http://127.0.0.1:1" }, "cluster.redis_url"],
  ] as const) {
    try {
      await startNode("bad", overrides);
      assert.unreachable("started");
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).key, key);
    }
  }
});

test.run();
