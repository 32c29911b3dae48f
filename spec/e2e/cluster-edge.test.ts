/**
 * Edge pulls: ffmpeg publishes to node 1 over RTMP; players on node 3 (two HTTP-FLV clients at once)
 * and node 2 (RTMP play) make those nodes pull the stream from node 1 with the relay (RTMP: the source's AAC fits FLV),
 * one pull per node shared by its players, dropped once the last player has been gone for
 * cluster.edge_idle_timeout. The stream map keeps naming node 1. The publisher's RTMP application
 * (`studio`) holds on every node: the pull plays it there and the players ask for it here.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { App } from "../../src/app.ts";
import { startClusterNode } from "../support/cluster.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { waitFor } from "../support/net.ts";
import { run, start } from "../support/process.ts";
import { RedisServer } from "../support/redis.ts";
import { probe } from "./rtmp-publisher-media.ts";

const test = e2eSuite("e2e/cluster: edge pulls between three nodes", ["redis-server", "ffmpeg", "ffprobe"]);

let redis: RedisServer;
let dir: string;
const nodes: App[] = [];
let publisher: ReturnType<typeof start> | undefined;

test.before(async () => {
  redis = await RedisServer.start();
  dir = mkdtempSync(join(tmpdir(), "transpond-cluster-edge-"));
  for (const id of ["n1", "n2", "n3"]) nodes.push(await startClusterNode(redis.url, dir, id, { "cluster.edge_idle_timeout": 1000 }));
});

test.after(async () => {
  publisher?.child.kill("SIGKILL");
  await publisher?.done;
  for (const app of nodes) await app.close();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("HTTP-FLV on node 3 and RTMP play on node 2 of node 1's stream: decoded video and audio, one shared pull per node, dropped when idle", async () => {
  const [n1, n2, n3] = nodes as [App, App, App];
  publisher = start("ffmpeg", [
    "-v", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=60",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
    "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "96k", "-f", "flv", `rtmp://127.0.0.1:${n1.ports.rtmp}/studio/cam`,
  ], 90000);
  await waitFor("cam on node 1 in the stream map", async () => ((await n3.cluster!.store.streamNode("cam")) === "n1" && n1.hub.get("cam")?.videoConfig ? true : undefined), 20000, 100);

  const grab = (name: string) => run("ffmpeg", ["-v", "error", "-y", "-i", `http://127.0.0.1:${n3.ports.http}/studio/cam.flv`, "-t", "4", "-c", "copy", join(dir, name)], 60000);
  const rtmpGrab = run("ffmpeg", ["-v", "error", "-y", "-i", `rtmp://127.0.0.1:${n2.ports.rtmp}/studio/cam`, "-t", "4", "-c", "copy", join(dir, "n2-rtmp.flv")], 60000);
  const both = Promise.all([grab("n3-a.flv"), grab("n3-b.flv")]);
  await waitFor("both players of node 3 and the one of node 2 playing", () => ((n3.hub.get("cam")?.sinkCount ?? 0) >= 2 && (n2.hub.get("cam")?.sinkCount ?? 0) >= 1 ? true : undefined), 20000, 50);
  assert.is(n3.relays.all().length, 1, "the two players of node 3 share one pull");
  assert.equal(n3.relays.all()[0]!.spec.uri, `rtmp://127.0.0.1:${n1.ports.rtmp}/studio/cam`, "an AAC source is pulled over RTMP, under its application");
  assert.is(n2.relays.all().length, 1);
  const [a, b] = await both;
  const viaRtmp = await rtmpGrab;
  for (const [name, r] of [["n3-a.flv", a], ["n3-b.flv", b], ["n2-rtmp.flv", viaRtmp]] as const) {
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
    const got = await probe(join(dir, name));
    assert.equal([got.video?.codec, got.video?.width, got.video?.height, got.audio?.codec], ["h264", 320, 240, "aac"], name);
    assert.ok(got.video!.frames >= 50, `${name}: only ${got.video!.frames} video frames in 4 s`);
    assert.is(await decodeErrors(join(dir, name)), "", name);
  }
  assert.is(await n1.cluster!.store.streamNode("cam"), "n1", "the edges do not claim the stream");
  const streams = await fetch(`http://127.0.0.1:${n2.ports.http}/rest-api/stream/find_all`).then((r) => r.json() as Promise<{ name: string; nodeId: string }[]>);
  assert.ok(streams.some((s) => s.name === "cam" && s.nodeId === "n1"));

  await waitFor("the idle edge pulls to stop", () => (n3.relays.all().length === 0 && n2.relays.all().length === 0 ? true : undefined), 15000, 100);
  assert.is(n3.hub.get("cam"), undefined);
  assert.ok(n1.hub.get("cam"), "the origin keeps its stream");
});

test("a player on a node of a stream that is nowhere gets 404 at once, and no pull starts", async () => {
  const [, , n3] = nodes as [App, App, App];
  const res = await fetch(`http://127.0.0.1:${n3.ports.http}/live/none.flv`);
  assert.is(res.status, 404);
  assert.is(n3.relays.all().length, 0);
});

test.run();
