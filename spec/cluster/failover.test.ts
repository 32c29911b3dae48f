/**
 * Failover with a real redis-server and three in-process nodes. Node n1 reaches Redis through a
 * proxy the test cuts: to the others n1 is lost once its heartbeat expires, while n1 itself serves on
 * (the stale owner). Its transponder moves to the node where its stream is published again and its
 * pull relay to any live node, under the same ids with `reconnects` counting the move; its SIP call
 * is listed FAILED "node lost". When the cut heals, n1 finds its leases taken and stops its copies
 * (fencing), so the RTMP target ends with one publisher.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { clusterStatus, postJson as rest, rtmpTestSource as source, startClusterNode } from "../support/cluster.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, freeUdpPort, sleep, waitFor } from "../support/net.ts";
import { RedisServer } from "../support/redis.ts";
import { startHookServer, type HookServer } from "../security/support/hook-server.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const test = e2eSuite("cluster failover (three nodes, real redis-server, one node cut off)", ["redis-server"]);

/** cluster.heartbeat_timeout of the test nodes (spec/support/cluster.ts) */
const TTL_MS = 1500;
const FAST_RECONNECT = { rtmp_reconnect_min_delay: 200, rtmp_reconnect_max_delay: 1000, wcs_agent_reconnect_min_delay: 200, wcs_agent_reconnect_max_delay: 1000 };

let redis: RedisServer;
let proxy: TcpProxy;
let hooks: HookServer;
let dir: string;
let target: App;
const nodes: App[] = [];


test.before(async () => {
  redis = await RedisServer.start();
  proxy = await TcpProxy.start(redis.port);
  dir = mkdtempSync(join(tmpdir(), "transpond-cluster-failover-"));
  nodes.push(await startClusterNode(`redis://127.0.0.1:${proxy.port}`, dir, "n1", FAST_RECONNECT));
  hooks = await startHookServer(() => 200);
  for (const id of ["n2", "n3"]) nodes.push(await startClusterNode(redis.url, dir, id, { ...FAST_RECONNECT, rest_hook_url: hooks.url }));
  target = await startApp({ bind_address: "127.0.0.1", "http.port": 0, "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": await freeTcpPort(), data_dir: join(dir, "target"), "media.workers": 0, "rtmp.publish_idle_timeout": 0 });
});

test.after(async () => {
  for (const app of nodes) await app.close();
  await target?.close();
  await proxy?.close();
  await hooks?.close();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("n1 cut off: its transponder moves to n2 where the stream is now (same id, reconnects 1), its pull relay to a live node; healed, n1 is fenced and stops both", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  n1.hub.publish("cam", source());
  target.hub.publish("ext", source());
  const rtmpUrl = `rtmp://127.0.0.1:${target.ports.rtmp}/live`;
  const started = await rest(n3, "/rest-api/push/startup", { streamName: "cam", rtmpUrl });
  assert.is(started.status, 200, JSON.stringify(started.body));
  const id = started.body.mediaSessionId as string;
  const pulled = await rest(n1, "/rest-api/pull/pull", { uri: `${rtmpUrl}/ext`, localStreamName: "ext-here" });
  assert.is(pulled.status, 200, JSON.stringify(pulled.body));
  const relayId = pulled.body.localMediaSessionId as string;
  await waitFor("n1's transponder ACTIVE at the target", () => (n1.transponders.all()[0]?.transponder.status === "ACTIVE" && target.hub.get("rtmp_cam") ? true : undefined), 10000);
  assert.is((await n3.cluster!.store.job(id))?.owner, "n1", "the job is stored with n1's lease");
  assert.is((await n3.cluster!.store.job(relayId))?.owner, "n1");

  const stopped: string[] = [];
  n1.transponders.on("state", ({ to, transponder }) => to === "STOPPED" && stopped.push(transponder.lastError));
  n1.relays.on("state", ({ to, relay }) => to === "STOPPED" && stopped.push(relay.lastError));
  proxy.cut();
  const cutAt = Date.now();
  await waitFor("n1 to report degraded", async () => ((await clusterStatus(n1)) === "degraded" ? true : undefined), 10000, 100);
  n2.hub.publish("cam", source()); // the publisher came back on n2
  const moved = await waitFor("n2 to take the transponder over", () => n2.transponders.all().find((r) => r.transponder.options.id === id), 4 * TTL_MS + 5000, 50);
  assert.ok(Date.now() - cutAt < 3 * TTL_MS + 2000, `taken over ${Date.now() - cutAt} ms after the cut (lease ${TTL_MS} ms)`);
  assert.is(moved.transponder.reconnects, 1, "the move counts as a reconnect");
  const relayHolder = await waitFor("a live node to take the pull relay over", () => [n2, n3].find((app) => app.relays.find({ localMediaSessionId: relayId }).length === 1), 4 * TTL_MS + 5000, 50);
  assert.is(relayHolder.relays.find({ localMediaSessionId: relayId })[0]!.reconnects, 1);
  assert.is(n1.transponders.all().length, 1, "the cut-off node serves on with what it has");
  assert.is(n1.relays.all().length, 1);
  const listed = await rest(n3, "/rest-api/push/find_all");
  assert.equal(listed.body.map((t: any) => [t.mediaSessionId, t.nodeId]), [[id, "n2"]], "n1 is lost to the others: only n2's copy is listed");

  proxy.heal();
  await waitFor("n1 to stop its copies (fenced)", () => (n1.transponders.all().length === 0 && n1.relays.all().length === 0 ? true : undefined), 4 * TTL_MS + 5000, 50);
  assert.equal(stopped.sort(), ["Taken over by node " + relayHolder.cluster!.nodeId + ": this node lost its lease", "Taken over by node n2: this node lost its lease"].sort());
  await waitFor("n1 registered again", async () => ((await clusterStatus(n1)) === "ok" ? true : undefined), 10000, 100);
  await waitFor("n2's transponder ACTIVE at the target", () => (moved.transponder.status === "ACTIVE" && target.hub.get("rtmp_cam") ? true : undefined), 15000, 50);
  for (const app of [n1, n2, n3]) {
    const all = await rest(app, "/rest-api/push/find_all");
    // n2's own retries count too: the target refused it while n1's stale copy still published
    assert.equal(all.body.map((t: any) => [t.mediaSessionId, t.nodeId, t.reconnects]), [[id, "n2", moved.transponder.reconnects]], `push/find_all on ${app.cluster!.nodeId}`);
    const relays = await rest(app, "/rest-api/pull/find_all");
    assert.equal(relays.body.map((r: any) => [r.localMediaSessionId, r.nodeId]), [[relayId, relayHolder.cluster!.nodeId]], `pull/find_all on ${app.cluster!.nodeId}`);
  }
  await waitFor("Redis to have the job's reconnects", async () => {
    const job = await n1.cluster!.store.job(id);
    return job?.owner === "n2" && job.reconnects === moved.transponder.reconnects ? true : undefined;
  }, 4 * TTL_MS, 100);

  assert.is((await rest(n1, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
  assert.is((await rest(n1, "/rest-api/pull/terminate", { localMediaSessionId: relayId })).status, 200);
  await waitFor("the ended jobs to leave Redis", async () => ((await n1.cluster!.store.jobs()).length === 0 ? true : undefined), 4 * TTL_MS, 100);
  const cam = n2.hub.get("cam");
  if (cam) n2.hub.unpublish(cam, "test over");
});

test("n1 cut off: n2 takes its transponder and an operator terminates it there; healed, n1 stops its copy too and no node stores the push again", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  n1.hub.publish("cam-ended", source());
  const rtmpUrl = `rtmp://127.0.0.1:${target.ports.rtmp}/live`;
  const started = await rest(n3, "/rest-api/push/startup", { streamName: "cam-ended", rtmpUrl });
  assert.is(started.status, 200, JSON.stringify(started.body));
  const id = started.body.mediaSessionId as string;
  await waitFor("n1's transponder ACTIVE", () => (n1.transponders.all()[0]?.transponder.status === "ACTIVE" ? true : undefined), 10000);
  const stopped: string[] = [];
  n1.transponders.on("state", ({ to, transponder }) => to === "STOPPED" && stopped.push(transponder.lastError));

  proxy.cut();
  await waitFor("n1 to report degraded", async () => ((await clusterStatus(n1)) === "degraded" ? true : undefined), 10000, 100);
  n2.hub.publish("cam-ended", source());
  await waitFor("n2 to take the transponder over", () => n2.transponders.all().find((r) => r.transponder.options.id === id), 4 * TTL_MS + 5000, 50);
  assert.is((await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200, "terminated through n3, run by n2");
  await waitFor("the push gone from Redis", async () => ((await n3.cluster!.store.job(id)) === undefined ? true : undefined), 4 * TTL_MS, 50);
  assert.is(n1.transponders.all().length, 1, "the cut-off node still runs its copy");

  proxy.heal();
  await waitFor("n1 to stop its copy", () => (n1.transponders.all().length === 0 ? true : undefined), 4 * TTL_MS + 5000, 50);
  assert.equal(stopped, ["Terminated on another node while this node was cut off from Redis"]);
  await waitFor("n1 registered again", async () => ((await clusterStatus(n1)) === "ok" ? true : undefined), 10000, 100);
  await sleep(2 * TTL_MS);
  assert.is(await n3.cluster!.store.job(id), undefined, "not stored again");
  for (const app of [n1, n2, n3]) assert.is((await rest(app, "/rest-api/push/find_all")).status, 404, `push/find_all on ${app.cluster!.nodeId}: no transponder anywhere`);
  for (const app of [n1, n2]) {
    const cam = app.hub.get("cam-ended");
    if (cam) app.hub.unpublish(cam, "test over");
  }
});

test("n1 cut off during a SIP call: every other node lists the call FAILED \"node lost\" with n1's nodeId, posted once as a CallStatusEvent; healed, n1 has it again and it is listed once", async () => {
  const [n1, , n3] = nodes as [App, App, App];
  const silentUas = await freeUdpPort(); // nobody answers: the INVITE stays TRYING for timer B (32 s)
  const started = await rest(n1, "/rest-api/call/startup", { callId: "lost-call", callee: "bob", sipLogin: "alice", sipPassword: "call-s3cret", sipDomain: "127.0.0.1", sipPort: silentUas });
  assert.is(started.status, 200, JSON.stringify(started.body));
  await waitFor("the call stored with n1's lease", async () => ((await n3.cluster!.store.job("lost-call"))?.owner === "n1" ? true : undefined), 5000, 50);
  assert.not.match(JSON.stringify(await n3.cluster!.store.job("lost-call")), "call-s3cret", "the SIP password never goes to Redis");

  proxy.cut();
  const lost = await waitFor("n3 to list the call as lost", async () => {
    const found = await rest(n3, "/rest-api/call/find", { callId: "lost-call" });
    return found.status === 200 && found.body[0]?.info === "node lost" ? found.body : undefined;
  }, 4 * TTL_MS + 5000, 100);
  assert.equal(lost.map((c: any) => [c.callId, c.status, c.info, c.nodeId, c.callee]), [["lost-call", "FAILED", "node lost", "n1", "bob"]]);
  const all = await rest(n3, "/rest-api/call/find_all");
  assert.equal(all.body.map((c: any) => [c.callId, c.status, c.nodeId]), [["lost-call", "FAILED", "n1"]]);
  assert.is((await rest(n3, "/rest-api/call/find", { callId: "lost-call", status: "TRYING" })).status, 404, "the find's fields filter lost calls too");
  const lostEvents = () => hooks.calls.filter((c) => c.method === "CallStatusEvent" && c.body.callId === "lost-call");
  const [event] = await waitFor("the CallStatusEvent of the lost call", () => (lostEvents().length > 0 ? lostEvents() : undefined), 5000, 50);
  assert.equal([event!.body.status, event!.body.info, event!.body.nodeId, event!.body.callee], ["FAILED", "node lost", "n1", "bob"]);

  proxy.heal();
  assert.is(lostEvents().length, 1, "posted once: by the one node that marked the call lost");
  await waitFor("n3 to list n1's live call again, once", async () => {
    const found = await rest(n3, "/rest-api/call/find_all");
    return found.status === 200 && found.body.length === 1 && found.body[0].status !== "FAILED" ? true : undefined;
  }, 4 * TTL_MS + 5000, 100);
  const again = await rest(n3, "/rest-api/call/find_all");
  assert.equal(again.body.map((c: any) => [c.callId, c.nodeId]), [["lost-call", "n1"]]);
  assert.is((await rest(n3, "/rest-api/call/terminate", { callId: "lost-call" })).status, 200);
});

test("redis-server restarted empty: the jobs are stored again by their owners, none moves and none runs twice", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  n2.hub.publish("cam2", source());
  const started = await rest(n1, "/rest-api/push/startup", { streamName: "cam2", rtmpUrl: `rtmp://127.0.0.1:${target.ports.rtmp}/live` });
  assert.is(started.status, 200, JSON.stringify(started.body));
  const id = started.body.mediaSessionId as string;
  await redis.restart();
  for (const app of [n1, n2, n3]) await waitFor(`${app.cluster!.nodeId} registered again`, async () => ((await clusterStatus(app)) === "ok" ? true : undefined), 15000, 100);
  await waitFor("the job stored again with n2's lease", async () => ((await n3.cluster!.store.job(id).catch(() => undefined))?.owner === "n2" ? true : undefined), 4 * TTL_MS, 100);
  await sleep(2 * TTL_MS); // what must not happen (a takeover) has no event to wait for: give it two leases' time
  assert.equal([n1, n2, n3].map((app) => app.transponders.all().map((r) => r.transponder.options.id)), [[], [id], []]);
  assert.is(n2.transponders.all()[0]!.transponder.reconnects, 0, "the job never moved");
  assert.is((await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
});

test.run();
