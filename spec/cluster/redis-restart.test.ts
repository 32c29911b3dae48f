/**
 * redis-server going away and coming back, both ways a real one does: empty (no persistence) and
 * with its data (an AOF; leases and heartbeats whose TTL ran out while it was down are gone). While
 * it is away, node n1 ends one of its transponders and starts another through REST. When it is back:
 * the ended job stays ended (no node takes it from the stale record), the new one is stored, and the
 * one that kept running stays on n1, although n2 has its source stream and could take it. n1 reaches
 * Redis through a proxy that lets it back a third of the TTL after n2: the owner is back later than
 * the node that could take its jobs, as happens when their reconnect back-offs differ. When n1 is
 * back more than a TTL after n2, n2 has taken the push n1 terminated meanwhile: n1 ends it there, or
 * removes it when n2 was lost too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { clusterStatus, postJson as rest, rtmpTestSource as source, startClusterNode } from "../support/cluster.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, sleep, waitFor } from "../support/net.ts";
import { RedisServer } from "../support/redis.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const test = e2eSuite("cluster: redis-server stopped and restarted (empty, and with its data)", ["redis-server"]);

/** cluster.heartbeat_timeout of the test nodes (spec/support/cluster.ts) */
const TTL_MS = 1500;

let dir: string;
let target: App;

const pushIds = (app: App) => app.transponders.all().map((r) => r.transponder.options.id).sort();

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-cluster-restart-"));
  target = await startApp({ bind_address: "127.0.0.1", "http.port": 0, "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": await freeTcpPort(), data_dir: join(dir, "target"), "media.workers": 0, "rtmp.publish_idle_timeout": 0 });
});

test.after(async () => {
  await target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const persist of [false, true]) {
  test(`redis-server restarted ${persist ? "with its data (AOF)" : "empty"}: a push ended while it was away stays ended, one started meanwhile is stored, the one left running stays on its node`, async () => {
    const redis = await RedisServer.start({ persist });
    const proxy = await TcpProxy.start(redis.port);
    const nodes: App[] = [];
    try {
      nodes.push(await startClusterNode(`redis://127.0.0.1:${proxy.port}`, join(dir, String(persist)), "n1"));
      nodes.push(await startClusterNode(redis.url, join(dir, String(persist)), "n2"));
      const [n1, n2] = nodes as [App, App];
      for (const name of ["kept", "ended", "new"]) for (const app of nodes) app.hub.publish(name, source());
      const rtmpUrl = `rtmp://127.0.0.1:${target.ports.rtmp}/${persist ? "aof" : "empty"}`;
      const push = async (name: string) => {
        const started = await rest(n1, "/rest-api/push/startup", { streamName: name, rtmpUrl });
        assert.is(started.status, 200, JSON.stringify(started.body));
        return started.body.mediaSessionId as string;
      };
      const kept = await push("kept");
      const ended = await push("ended");
      await waitFor("both jobs stored with n1's lease", async () => ((await n2.cluster!.store.jobs()).filter((j) => j.owner === "n1").length === 2 ? true : undefined), 4 * TTL_MS, 50);

      await redis.stop();
      await proxy.unplug();
      for (const app of nodes) await waitFor(`${app.cluster!.nodeId} degraded`, async () => ((await clusterStatus(app)) === "degraded" ? true : undefined), 4 * TTL_MS, 50);
      assert.is((await rest(n1, "/rest-api/push/terminate", { mediaSessionId: ended })).status, 200);
      const created = await push("new");
      await sleep(2 * TTL_MS); // every lease and heartbeat deadline passes while Redis is away
      await redis.restart();
      await waitFor("n2 registered again", async () => ((await clusterStatus(n2)) === "ok" ? true : undefined), 4 * TTL_MS, 50);
      await sleep(TTL_MS / 3);
      proxy.heal();

      for (const app of nodes) await waitFor(`${app.cluster!.nodeId} registered again`, async () => ((await clusterStatus(app)) === "ok" ? true : undefined), 4 * TTL_MS, 50);
      await waitFor("the push started while Redis was away stored with n1's lease", async () => ((await n2.cluster!.store.job(created))?.owner === "n1" ? true : undefined), 4 * TTL_MS, 50);
      await sleep(3 * TTL_MS); // what must not happen (a takeover, a resumed job) has no event to wait for
      assert.equal([pushIds(n1), pushIds(n2)], [[kept, created].sort(), []], "n1 runs what it ran, n2 took nothing");
      assert.is(n1.transponders.all().find((r) => r.transponder.options.id === kept)!.transponder.reconnects, 0, "the kept push never moved");
      const stored = (await n2.cluster!.store.jobs()).map((j) => [j.id, j.owner]).sort();
      assert.equal(stored, [[kept, "n1"], [created, "n1"]].sort(), "Redis has the kept and the new push, not the ended one");
      const listed = await rest(n2, "/rest-api/push/find_all");
      assert.equal(listed.body.map((t: any) => [t.mediaSessionId, t.nodeId]).sort(), stored);
    } finally {
      for (const app of nodes) await app.close();
      await proxy.close();
      await redis.dispose();
    }
  });
}

test("the owner back more than a TTL after n2: a push it terminated while Redis was away, which n2 took meanwhile, ends on n2 too and nobody runs it again", async () => {
  const redis = await RedisServer.start({ persist: true });
  const proxy = await TcpProxy.start(redis.port);
  const nodes: App[] = [];
  try {
    nodes.push(await startClusterNode(`redis://127.0.0.1:${proxy.port}`, join(dir, "slow"), "n1"));
    nodes.push(await startClusterNode(redis.url, join(dir, "slow"), "n2"));
    const [n1, n2] = nodes as [App, App];
    for (const app of nodes) app.hub.publish("slow", source());
    const started = await rest(n1, "/rest-api/push/startup", { streamName: "slow", rtmpUrl: `rtmp://127.0.0.1:${target.ports.rtmp}/slow` });
    assert.is(started.status, 200, JSON.stringify(started.body));
    const id = started.body.mediaSessionId as string;
    await waitFor("the job stored with n1's lease", async () => ((await n2.cluster!.store.job(id))?.owner === "n1" ? true : undefined), 4 * TTL_MS, 50);

    await redis.stop();
    await proxy.unplug();
    for (const app of nodes) await waitFor(`${app.cluster!.nodeId} degraded`, async () => ((await clusterStatus(app)) === "degraded" ? true : undefined), 4 * TTL_MS, 50);
    assert.is((await rest(n1, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
    await redis.restart();
    // n1 stays away: a TTL after n2 registered again, n2 takes the job it still finds stored
    const taken = await waitFor("n2 to take over the push n1 ended", () => n2.transponders.all().find((r) => r.transponder.options.id === id), 6 * TTL_MS, 50);
    await waitFor("n2's copy publishing at the target", () => (taken.transponder.status === "ACTIVE" && target.hub.get("rtmp_slow") ? true : undefined), 10000, 50);

    proxy.heal();
    await waitFor("n1 registered again", async () => ((await clusterStatus(n1)) === "ok" ? true : undefined), 4 * TTL_MS, 20);
    // a heartbeat (a third of the TTL) after n1 is back, the push has ended where it ran
    await waitFor("the push ended on n2 and at the target", () => (n2.transponders.all().length === 0 && !target.hub.get("rtmp_slow") ? true : undefined), TTL_MS / 3 + 250, 20);
    assert.is(taken.transponder.lastError, "Stopped by rest /terminate");
    await sleep(3 * TTL_MS); // what must not happen (the job taken up again) has no event to wait for
    assert.equal([pushIds(n1), pushIds(n2)], [[], []], "no node runs it");
    assert.is(target.hub.get("rtmp_slow"), undefined, "the target has no publisher");
    assert.equal(await n2.cluster!.store.jobs(), [], "Redis forgot the job");
    assert.is((await rest(n2, "/rest-api/push/find_all")).status, 404);
  } finally {
    for (const app of nodes) await app.close();
    await proxy.close();
    await redis.dispose();
  }
});

test("the owner back after the node that took a push it terminated was lost too: the owner removes the job, nobody runs it", async () => {
  const redis = await RedisServer.start({ persist: true });
  const proxies = [await TcpProxy.start(redis.port), await TcpProxy.start(redis.port)] as const;
  const nodes: App[] = [];
  let n2Closed: Promise<void> | undefined;
  try {
    for (const [i, proxy] of proxies.entries()) nodes.push(await startClusterNode(`redis://127.0.0.1:${proxy.port}`, join(dir, "lost-holder"), `n${i + 1}`));
    const [n1, n2] = nodes as [App, App];
    for (const app of nodes) app.hub.publish("gone", source());
    const started = await rest(n1, "/rest-api/push/startup", { streamName: "gone", rtmpUrl: `rtmp://127.0.0.1:${target.ports.rtmp}/gone` });
    assert.is(started.status, 200, JSON.stringify(started.body));
    const id = started.body.mediaSessionId as string;
    await waitFor("the job stored with n1's lease", async () => ((await n2.cluster!.store.job(id))?.owner === "n1" ? true : undefined), 4 * TTL_MS, 50);

    await redis.stop();
    for (const proxy of proxies) await proxy.unplug();
    for (const app of nodes) await waitFor(`${app.cluster!.nodeId} degraded`, async () => ((await clusterStatus(app)) === "degraded" ? true : undefined), 4 * TTL_MS, 50);
    assert.is((await rest(n1, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
    await redis.restart();
    proxies[1].heal();
    await waitFor("n2 to take over the push n1 ended", () => n2.transponders.all().find((r) => r.transponder.options.id === id), 6 * TTL_MS, 50);
    await proxies[1].unplug();
    n2Closed = n2.close(); // n2 dies cut off: its lease runs out, nobody holds the job
    await n2Closed;
    await sleep(TTL_MS);

    proxies[0].heal();
    await waitFor("n1 registered again", async () => ((await clusterStatus(n1)) === "ok" ? true : undefined), 4 * TTL_MS, 20);
    await waitFor("Redis to forget the job", async () => ((await n1.cluster!.store.jobs()).length === 0 ? true : undefined), TTL_MS / 3 + 250, 20);
    await sleep(2 * TTL_MS); // n1 takes over jobs a TTL after it registered: there must be none
    assert.equal(pushIds(n1), [], "n1 does not run it");
    assert.is(target.hub.get("rtmp_gone"), undefined, "the target has no publisher");
  } finally {
    await nodes[0]?.close();
    if (nodes[1] && !n2Closed) await nodes[1].close();
    for (const proxy of proxies) await proxy.close();
    await redis.dispose();
  }
});

test.run();
