import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { makeConfig } from "../../../src/config.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { metadataOf, playAppOf, recordingName, RtmpIngest } from "../../../src/core/ingest/rtmp-ingest.ts";
import { FlvReader } from "../../../src/flv/file-reader.ts";
import { frameFromTag } from "../../../src/flv/frames.ts";
import type { FlvTag } from "../../../src/flv/tag.ts";
import type { PlayOutput, PublishTarget, Refusal, StreamRequest } from "../../../src/rtmp/server/handler.ts";
import { waitFor } from "../../support/net.ts";
import { fixtureTags } from "../../rtmp/server/peers.ts";

const test = suite("core/rtmp-ingest");
const req = (name: string, app = "live"): StreamRequest => ({ app, name, query: "", tcUrl: `rtmp://x:1935/${app}`, peer: "127.0.0.1:1", connectionId: 1 });

function media(untilMs: number): { configs: TrackConfig[]; frames: Frame[] } {
  const configs: TrackConfig[] = [];
  const frames: Frame[] = [];
  for (const tag of fixtureTags(undefined, untilMs)) {
    const m = frameFromTag(tag);
    if (m.type === "config") configs.push(m.config);
    else if (m.type === "frame") frames.push(m.frame);
  }
  return { configs, frames };
}

function feed(target: PublishTarget, untilMs: number): void {
  const { configs, frames } = media(untilMs);
  target.metadata({ framerate: 30, encoder: "test" });
  for (const c of configs) target.config(c);
  for (const f of frames) target.frame(f);
}

function output(): PlayOutput & { tags: FlvTag[]; ends: string[]; failures: Refusal[] } {
  const o = {
    tags: [] as FlvTag[],
    ends: [] as string[],
    failures: [] as Refusal[],
    congested: false,
    send: (t: readonly FlvTag[]) => void o.tags.push(...t),
    end: (r: string) => void o.ends.push(r),
    fail: (r: Refusal) => void o.failures.push(r),
  };
  return o;
}

test("publish puts the stream in the hub with the publisher's metadata; a second publish of the name is BadName", () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  const first = ingest.publish(req("cam"), { stop: () => {} });
  assert.ok(first.ok);
  if (first.ok) feed(first.target, 300);
  assert.equal(metadataOf(hub.get("cam")!), { framerate: 30, encoder: "test" });
  const second = ingest.publish(req("cam"), { stop: () => {} });
  assert.equal(second, { ok: false, code: "NetStream.Publish.BadName", description: "cam is already published." });
});

test("terminating the stream stops the publisher with the reason; the publisher's end unpublishes", () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  let stopped = "";
  const answer = ingest.publish(req("cam"), { stop: (r) => (stopped = r) });
  hub.unpublish(hub.get("cam")!, "Terminated", true);
  assert.is(stopped, "Terminated");
  const again = ingest.publish(req("cam2"), { stop: () => {} });
  if (again.ok) again.target.end("Publisher disconnected");
  assert.is(hub.get("cam2"), undefined);
  assert.ok(answer.ok);
});

test("a player of a missing name waits, plays when published, and waits again after the unpublish", () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  const out = output();
  const handle = ingest.play(req("cam"), out);
  assert.is(out.tags.length, 0);
  const p1 = ingest.publish(req("cam"), { stop: () => {} });
  if (p1.ok) feed(p1.target, 500);
  const firstRun = out.tags.length;
  assert.ok(firstRun > 10);
  if (p1.ok) p1.target.end("Unpublished");
  assert.equal(out.ends, ["Unpublished"]);
  const p2 = ingest.publish(req("cam"), { stop: () => {} });
  if (p2.ok) feed(p2.target, 500);
  assert.ok(out.tags.length > firstRun + 10, "plays the new publisher");
  handle.stop();
  const p3 = hub.get("cam")!;
  assert.is(p3.sinkCount, 0, "stop detaches the player");
});

test("a stream plays under the application it was published to (query and trailing slash aside); other sources under live", () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  assert.ok(ingest.publish(req("cam", "other?user=a&pass=b"), { stop: () => {} }).ok);
  assert.ok(ingest.publish(req("cam2", "studio/"), { stop: () => {} }).ok);
  const webrtc = hub.publish("browser", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  assert.equal([playAppOf(hub.get("cam")!), playAppOf(hub.get("cam2")!), playAppOf(webrtc)], ["other", "studio", "live"]);
});

test("a player asking for a published name under another application is refused with StreamNotFound naming the right URL", async () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  assert.ok(ingest.publish(req("cam", "other"), { stop: () => {} }).ok);
  assert.is(await ingest.admitStream("play", req("cam", "other")), undefined);
  assert.equal(await ingest.admitStream("play", req("cam", "wrongapp")), {
    code: "NetStream.Play.StreamNotFound",
    description: 'cam is published under the application "other", not "wrongapp": play rtmp://x:1935/other/cam',
  });
  hub.publish("browser", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  assert.match((await ingest.admitStream("play", req("browser", "other")))?.description ?? "", "play rtmp://x:1935/live/browser");
});

test("a waiting player fails with StreamNotFound when the name is published under another application", () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({}));
  const out = output();
  const handle = ingest.play(req("cam", "live"), out);
  const pub = ingest.publish(req("cam", "other"), { stop: () => {} });
  if (pub.ok) feed(pub.target, 500);
  assert.is(out.tags.length, 0);
  assert.equal(out.failures.map((f) => f.code), ["NetStream.Play.StreamNotFound"]);
  assert.match(out.failures[0]!.description, "play rtmp://x:1935/other/cam");
  handle.stop();
  assert.is(hub.get("cam")!.sinkCount, 0);
});

test("a player of a name nobody publishes gets StreamNotFound after rtmp.play_wait_timeout saying what to do", async () => {
  const hub = new StreamHub();
  const ingest = new RtmpIngest(hub, makeConfig({ "rtmp.play_wait_timeout": 100 }));
  const out = output();
  const handle = ingest.play(req("nobody"), out);
  assert.equal(out.failures, []);
  const failure = await waitFor("the player to fail", () => out.failures[0]);
  assert.is(failure.code, "NetStream.Play.StreamNotFound");
  assert.is(failure.description, "nobody is not published (waited 0.1 s): publish to rtmp://x:1935/live/nobody first, or check the name; GET /rest-api/stream/find_all lists the published streams");
  const pub = ingest.publish(req("nobody"), { stop: () => {} });
  if (pub.ok) feed(pub.target, 500);
  assert.is(out.tags.length, 0, "a failed player is no longer waiting");
  handle.stop();
});

test("with rtmp.record every published stream is written to record_dir/<name>-<ms>.flv", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-ingest-"));
  try {
    const hub = new StreamHub();
    const ingest = new RtmpIngest(hub, makeConfig({ "rtmp.record": true, record_dir: join(dir, "rec") }));
    const answer = ingest.publish(req("my/cam"), { stop: () => {} });
    if (answer.ok) {
      feed(answer.target, 2000);
      answer.target.end("done");
    }
    const path = ingest.recordings[0]!;
    assert.match(path, /rec\/my_cam-\d+\.flv$/);
    const expected = 1 + media(2000).frames.filter((f) => f.kind === "video").length;
    const videoTags = (): number => new FlvReader({ strictPreviousTagSize: true }).push(readFileSync(path)).filter((o) => o.type === "tag" && o.header.tagType === 9).length;
    // the writer flushes in its own time: wait until the last frame is in the file (or time out)
    await waitFor("every video frame in the file", () => (existsSync(path) && videoTags() >= expected ? true : undefined));
    assert.is(videoTags(), expected, "sequence header + every video frame");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("recording names are file-system safe", () => {
  assert.is(recordingName("a/b?c", 5), "a_b_c-5.flv");
  assert.is(recordingName("../etc", 5), "__etc-5.flv");
  assert.is(recordingName("", 5), "stream-5.flv");
});

test.run();
