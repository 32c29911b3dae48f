import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { StreamHub, StreamNameInUseError } from "../../../src/core/stream/hub.ts";
import type { MediaSink, MediaSource } from "../../../src/core/stream/media-sink.ts";
import { streamObject } from "../../../src/rest/wcs-objects.ts";

const test = suite("core/hub");

function source(): MediaSource & { keyframeRequests: number; stopped?: string } {
  const s = { kind: "rtmp" as const, keyframeRequests: 0, stopped: undefined as string | undefined, requestKeyframe: () => void s.keyframeRequests++, stop: (r: string) => void (s.stopped = r) };
  return s;
}
function sink(): MediaSink & { configs: TrackConfig[]; frames: Frame[]; ended?: string } {
  const s = {
    configs: [] as TrackConfig[],
    frames: [] as Frame[],
    ended: undefined as string | undefined,
    config: (c: TrackConfig) => void s.configs.push(c),
    frame: (f: Frame) => void s.frames.push(f),
    end: (r: string) => void (s.ended = r),
  };
  return s;
}
const sps = { codec: "H264" as const, sps: new Uint8Array([0x67]), pps: new Uint8Array([0x68]), width: 640, height: 480 };
const v = (dts: number, key = false): Frame => ({ kind: "video", codec: "H264", dts, pts: dts, key, data: [new Uint8Array([1])] });
const a = (dts: number): Frame => ({ kind: "audio", codec: "AAC", dts, pts: dts, key: true, data: new Uint8Array(1) });

test("a second publisher on a used name is refused with WCS's text", () => {
  const hub = new StreamHub();
  hub.publish("cam", source());
  try {
    hub.publish("cam", source());
    assert.unreachable("second publish should throw");
  } catch (err) {
    assert.instance(err, StreamNameInUseError);
    assert.match((err as Error).message, "Stream name is already in use");
  }
});

test("a new sink gets the configs, a keyframe is requested, and frames start at the next keyframe", () => {
  const hub = new StreamHub();
  const src = source();
  const stream = hub.publish("cam", src);
  stream.setConfig(sps);
  stream.pushFrame(v(0, true));
  const player = sink();
  stream.addSink(player);
  assert.equal(player.configs, [sps]);
  assert.is(src.keyframeRequests, 1);
  stream.pushFrame(a(10));
  stream.pushFrame(v(33));
  stream.pushFrame(v(66, true));
  stream.pushFrame(a(70));
  assert.equal(player.frames.map((f) => `${f.kind}${f.dts}`), ["video66", "audio70"]);
});

test("sinks never see DTS go backwards within a track", () => {
  const hub = new StreamHub();
  const stream = hub.publish("cam", source());
  const player = sink();
  stream.addSink(player);
  stream.pushFrame(a(100));
  stream.pushFrame(a(90));
  assert.equal(player.frames.map((f) => f.dts), [100, 100]);
});

test("terminating from outside stops the source and ends every sink; the name is free again", () => {
  const hub = new StreamHub();
  const src = source();
  const stream = hub.publish("cam", src);
  const player = sink();
  stream.addSink(player);
  const seen: string[] = [];
  hub.listen({ unpublished: (s, r) => seen.push(`${s.name}:${r}`) });
  hub.unpublish(stream, "Stopped by rest /terminate", true);
  assert.is(src.stopped, "Stopped by rest /terminate");
  assert.is(player.ended, "Stopped by rest /terminate");
  assert.equal(seen, ["cam:Stopped by rest /terminate"]);
  assert.is(hub.get("cam"), undefined);
  hub.publish("cam", source());
});

test("the stream object carries its source, uptime, payload bytes received and viewers by kind (the console's columns)", () => {
  const hub = new StreamHub();
  const stream = hub.publish("cam", source());
  stream.setConfig(sps);
  stream.addSink(sink(), "flv");
  stream.addSink(sink(), "flv");
  stream.addSink(sink(), "transponder");
  stream.pushFrame(v(0, true));
  stream.pushFrame({ kind: "video", codec: "H264", dts: 40, pts: 40, key: false, data: [new Uint8Array(5), new Uint8Array(4)] });
  stream.pushFrame(a(10));
  const o = streamObject(stream);
  assert.equal([o.source, o.rtmpApp, o.bytesIn, o.viewers], ["rtmp", "live", 11, { flv: 2, transponder: 1 }]);
  assert.ok(typeof o.uptimeMs === "number" && o.uptimeMs >= 0 && o.uptimeMs < 5000);
});

test("session ids are unique opaque tokens", () => {
  const hub = new StreamHub();
  const ids = new Set(Array.from({ length: 50 }, (_, i) => hub.publish(`s${i}`, source()).info.mediaSessionId));
  assert.is(ids.size, 50);
  for (const id of ids) assert.match(id, /^[a-z0-9]{26}$/);
});

test.run();
