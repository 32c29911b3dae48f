/**
 * A cluster as operators run it: three `transpond start` processes and one redis-server. ffmpeg
 * publishes to node 1; ffmpeg plays it from node 3 over HTTP-FLV and RTMP (edge pulls); /push/startup
 * sent to node 2 republishes it from node 1 to nginx-rtmp; find_all answers the same on every node.
 * Node 1 is SIGKILLed and the publisher comes back on node 2: node 2 takes the transponder over
 * within the lease and nginx records the stream again. redis-server (with an AOF) stopped and started
 * with its data: the nodes report degraded, then register again; the job neither stops, moves nor
 * runs twice, and a second push terminated while Redis was away stays gone (nginx sees no further
 * publish). Then Chromium with the Web SDK publishes to node 2 and plays from node 3.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startChromium, type ChromiumHarness } from "../support/chromium.ts";
import { startClusterProcess, type ClusterProcess } from "../support/cluster.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { sleep, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { run, start } from "../support/process.ts";
import { RedisServer } from "../support/redis.ts";
import { probe } from "./rtmp-publisher-media.ts";

const test = e2eSuite("e2e/cluster: three node processes, redis-server, nginx-rtmp", ["redis-server", "ffmpeg", "ffprobe", "nginx", "chromium"]);

/** cluster.heartbeat_timeout: the lease a lost node's jobs wait out before they move */
const TTL_MS = 3000;

let redis: RedisServer;
let nginx: NginxRtmp;
let dir: string;
let chromium: ChromiumHarness | undefined;
const nodes: ClusterProcess[] = [];
const publishers: ReturnType<typeof start>[] = [];
/** the app/stream names nginx was asked to accept a publisher for, in order */
const published: string[] = [];

async function rest(node: ClusterProcess, path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${node.api}${path}`, { method: "POST", body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** ffmpeg publishing H.264 + AAC to a node's embedded RTMP server for up to two minutes. */
function publish(node: ClusterProcess): void {
  publishers.push(
    start("ffmpeg", [
      "-v", "error", "-re",
      "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=120",
      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=120",
      "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
      "-c:a", "aac", "-b:a", "96k", "-f", "flv", `rtmp://127.0.0.1:${node.ports.rtmp}/live/cam`,
    ], 150000),
  );
}

const pushes = async (node: ClusterProcess) => {
  const found = await rest(node, "/rest-api/push/find_all");
  return found.status === 200 ? (found.body as any[]).map((t) => [t.mediaSessionId, t.nodeId, t.status, t.reconnects]) : [];
};

async function checkRecording(file: string, minFrames: number): Promise<void> {
  const got = await probe(file);
  assert.equal([got.video?.codec, got.video?.width, got.audio?.codec], ["h264", 320, "aac"], file);
  assert.ok(got.video!.frames >= minFrames, `${file}: ${got.video!.frames} video frames`);
  assert.is(await decodeErrors(file), "", file);
}

test.before(async () => {
  redis = await RedisServer.start({ persist: true });
  nginx = await NginxRtmp.start({ applications: ["live", "again"], recordUnique: true, onPublish: (f) => (published.push(`${f.app}/${f.name}`), 200) });
  dir = mkdtempSync(join(tmpdir(), "transpond-e2e-cluster-"));
  const sets = { "cluster.heartbeat_timeout": TTL_MS, rtmp_reconnect_min_delay: 300, rtmp_reconnect_max_delay: 2000, "cluster.edge_idle_timeout": 2000 };
  for (const id of ["n1", "n2", "n3"]) {
    const from = 20000 + Math.floor(Math.random() * 40000); // WebRTC media ports apart from other tests'
    nodes.push(await startClusterProcess(redis.url, dir, id, { ...sets, media_port_from: from, media_port_to: from + 300 }));
  }
});

test.after(async () => {
  await chromium?.close();
  for (const p of publishers) p.child.kill("SIGKILL");
  await Promise.all(publishers.map((p) => p.done));
  for (const node of nodes) await node.kill();
  await nginx?.dispose();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("publish to node 1, play from node 3, republish through node 2; node 1 SIGKILLed: node 2 takes the transponder over; Redis restarted: nothing lost or doubled", async () => {
  const [n1, n2, n3] = nodes as [ClusterProcess, ClusterProcess, ClusterProcess];
  await waitFor("three live nodes", async () => ((await rest(n3, "/rest-api/cluster/nodes")).body.nodes.length === 3 ? true : undefined), 20000, 200);
  publish(n1);
  await waitFor("cam on node 1, seen from node 3", async () => {
    const found = await rest(n3, "/rest-api/stream/find", { name: "cam" });
    return found.status === 200 && found.body[0]?.nodeId === "n1" ? true : undefined;
  }, 30000, 200);

  // edge pulls: node 3 plays node 1's stream over HTTP-FLV and RTMP
  const [flv, rtmp] = await Promise.all([
    run("ffmpeg", ["-v", "error", "-y", "-i", `${n3.api}/live/cam.flv`, "-t", "4", "-c", "copy", join(dir, "n3.flv")], 60000),
    run("ffmpeg", ["-v", "error", "-y", "-i", `rtmp://127.0.0.1:${n3.ports.rtmp}/live/cam`, "-t", "4", "-c", "copy", join(dir, "n3-rtmp.flv")], 60000),
  ]);
  assert.is(flv.code, 0, flv.stderr);
  assert.is(rtmp.code, 0, rtmp.stderr);
  await checkRecording(join(dir, "n3.flv"), 50);
  await checkRecording(join(dir, "n3-rtmp.flv"), 50);

  // /push/startup to node 2 runs on node 1, where the stream is
  const started = await rest(n2, "/rest-api/push/startup", { streamName: "cam", rtmpUrl: nginx.url("live") });
  assert.is(started.status, 200, JSON.stringify(started.body));
  const id = started.body.mediaSessionId as string;
  await waitFor("the transponder ACTIVE on node 1", async () => ((await pushes(n3))[0]?.[2] === "ACTIVE" ? true : undefined), 20000, 200);
  const everywhere = await Promise.all(nodes.map(pushes));
  for (const list of everywhere) assert.equal(list, [[id, "n1", "ACTIVE", 0]], "push/find_all is the same on every node");
  // once node 3's edge pull has idled out, every node lists the one stream, on node 1
  const streamsOf = async (node: ClusterProcess) => ((await rest(node, "/rest-api/stream/find_all")).body as any[]).map((s) => `${s.name}@${s.nodeId}`).sort().join();
  await waitFor("stream/find_all the same on every node", async () => ((await Promise.all(nodes.map(streamsOf))).every((list) => list === "cam@n1") ? true : undefined), 15000, 200);
  await waitFor("nginx recording node 1's republish", () => (nginx.recordings().length === 1 && statSync(nginx.recordings()[0]!).size > 600_000 ? true : undefined), 30000, 200);

  // node 1 dies; the publisher comes back on node 2
  await n1.kill();
  const killedAt = Date.now();
  publish(n2);
  const moved = await waitFor("node 2 to take the transponder over", async () => {
    const list = await pushes(n3);
    return list[0]?.[1] === "n2" && list[0]?.[2] === "ACTIVE" ? list : undefined;
  }, 6 * TTL_MS + 20000, 100);
  const tookMs = Date.now() - killedAt;
  assert.ok(tookMs < 2 * TTL_MS + 4000, `taken over ${tookMs} ms after the kill (lease ${TTL_MS} ms)`);
  assert.equal(moved, [[id, "n2", "ACTIVE", 1]], "same id, the move counted as a reconnect");
  assert.equal(await pushes(n2), moved);
  assert.equal(published, ["live/rtmp_cam", "live/rtmp_cam"], "nginx got the stream again, from one publisher at a time");
  await waitFor("nginx recording node 2's republish", () => (nginx.recordings().length === 2 && statSync(nginx.recordings()[1]!).size > 600_000 ? true : undefined), 30000, 200);

  // a second push, terminated while Redis is away
  const ended = await rest(n3, "/rest-api/push/startup", { streamName: "cam", rtmpUrl: nginx.url("again") });
  assert.is(ended.status, 200, JSON.stringify(ended.body));
  const endedId = ended.body.mediaSessionId as string;
  await waitFor("both pushes ACTIVE on node 2", async () => ((await pushes(n3)).filter((t) => t[1] === "n2" && t[2] === "ACTIVE").length === 2 ? true : undefined), 20000, 200);

  // Redis away and back with its data (AOF): every lease and heartbeat in it ran out meanwhile
  await redis.stop();
  for (const node of [n2, n3]) {
    await waitFor(`${node.id} to report degraded`, async () => ((await rest(node, "/rest-api/cluster/nodes")).body.status === "degraded" ? true : undefined), 10000, 100);
  }
  assert.ok((await pushes(n2)).some((t) => t[0] === id && t[1] === "n2" && t[2] === "ACTIVE"), "node 2 serves on while degraded");
  assert.is((await rest(n2, "/rest-api/push/terminate", { mediaSessionId: endedId })).status, 200);
  await sleep(TTL_MS + 500);
  await redis.restart();
  for (const node of [n2, n3]) {
    await waitFor(`${node.id} to register again`, async () => ((await rest(node, "/rest-api/cluster/nodes")).body.status === "ok" ? true : undefined), 15000, 100);
  }
  await sleep(2 * TTL_MS); // a takeover or second copy would need a lease's time to show: nothing must happen
  for (const node of [n2, n3]) assert.equal(await pushes(node), [[id, "n2", "ACTIVE", 1]], `push/find_all on ${node.id} after Redis came back`);
  assert.equal(published, ["live/rtmp_cam", "live/rtmp_cam", "again/rtmp_cam"], "no further publish at nginx: the job neither restarted nor doubled, the terminated one stayed gone");

  assert.is((await rest(n3, "/rest-api/push/terminate", { mediaSessionId: id })).status, 200);
  // by age: node 1's republish, the push terminated while Redis was away, node 2's republish
  const [first, , second] = nginx.recordings() as [string, string, string];
  await waitFor("nginx to close the second recording", async () => {
    const before = statSync(second).size;
    await sleep(500);
    return statSync(second).size === before ? true : undefined;
  }, 15000, 0);
  await checkRecording(first, 50);
  await checkRecording(second, 100);
});

test("the Web SDK in Chromium publishes to node 2; an SDK page on node 3 plays it through an edge pull (WebRTC, Opus kept): decoded frames and audio energy", async () => {
  const [, n2, n3] = nodes as [ClusterProcess, ClusterProcess, ClusterProcess];
  chromium = await startChromium();
  const publisher = await chromium.open(`ws://127.0.0.1:${n2.ports.ws}`);
  assert.is(await publisher.publish("webcam", { width: 320, height: 240 }), "PUBLISHING");
  await waitFor("webcam on node 2, seen from node 3", async () => {
    const found = await rest(n3, "/rest-api/stream/find", { name: "webcam" });
    return found.status === 200 && found.body.some((s: any) => s.nodeId === "n2") ? true : undefined;
  }, 20000, 200);
  const player = await chromium.open(`ws://127.0.0.1:${n3.ports.ws}`);
  assert.is(await player.play("webcam"), "PLAYING");
  await waitFor("30 decoded frames on node 3", async () => ((await player.framesDecoded()) >= 30 ? true : undefined), 30000, 250);
  await waitFor("audio energy on node 3", async () => ((await player.audioEnergy()) > 0 ? true : undefined), 30000, 250);
  const streams = ((await rest(n2, "/rest-api/stream/find", { name: "webcam" })).body as any[]).map((s) => s.nodeId).sort();
  assert.equal(streams, ["n2", "n3"], "the origin's stream and node 3's edge copy");
});

test.run();
