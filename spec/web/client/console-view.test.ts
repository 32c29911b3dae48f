import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BitrateMeter, failureText, formatBitrate, formatUptime, formatViewers, nodeRows, SECTIONS, StoppedRows, type Row } from "../../../src/web/client/console-view.ts";

const test = suite("web/client/console-view");
const section = (id: string) => SECTIONS.find((s) => s.id === id)!;
const cells = (id: string, row: Row, bitrate = "—") => section(id).columns.map((c) => c.text(row, bitrate));

test("uptime, bitrate and viewers read as an operator expects", () => {
  assert.equal([0, 999, 12_400, 245_000, 3 * 3600_000 + 125_000].map(formatUptime), ["—", "0s", "12s", "4m 05s", "3h 02m"]);
  assert.equal([0, 300, 850_000, 2_400_000].map(formatBitrate), ["—", "1 kb/s", "850 kb/s", "2.4 Mb/s"]);
  assert.equal([undefined, {}, { flv: 2, transponder: 1, webrtc: 0 }].map(formatViewers), ["0", "0", "2 flv, 1 transponder"]);
});

test("each section's row shows the brief's columns from the REST objects", () => {
  const stream = { name: "cam", rtmpApp: "studio", source: "rtmp", mediaProvider: "Flash", videoCodec: "H264", audioCodec: "AAC", width: 320, height: 240, uptimeMs: 65_000, viewers: { flv: 1 }, bytesIn: 9 };
  assert.equal(cells("streams", stream, "500 kb/s"), ["cam", "studio", "rtmp", "H264", "AAC", "320×240", "500 kb/s", "1 flv", "1m 05s"]);
  const call = { callId: "c1", callee: "1000", status: "ESTABLISHED", sipStatus: 200, rtmpStreamStatus: null, injectedStream: null };
  assert.equal(cells("calls", call), ["c1", "1000", "ESTABLISHED", "200", "—", "—"]);
  const push = { mediaSessionId: "m", streamName: "rtmp_cam", sourceStreamName: "cam", rtmpUrl: "rtmp://h/live", status: "ACTIVE", lastError: "", reconnects: 2, uptimeMs: 3000, bytes: 5 };
  assert.equal(cells("transponders", push, "1.2 Mb/s"), ["cam", "rtmp://h/live", "ACTIVE", "—", "2", "3s", "1.2 Mb/s"]);
  const relay = { localMediaSessionId: "r", uri: "rtmp://h/live/x", localStreamName: "x", direction: "pull", state: "RECONNECTING", lastError: "refused", reconnects: 1, uptimeMs: 0, bytes: 2_500_000 };
  assert.equal(cells("relays", relay), ["rtmp://h/live/x", "x", "pull", "RECONNECTING", "refused", "1", "—", "2.50 MB"]);
});

test("the bitrate is the byte counter's rise between two polls; a counter going back starts over", () => {
  const meter = new BitrateMeter();
  assert.is(meter.sample("a", 1000, 0), 0);
  assert.is(meter.sample("a", 251_000, 2000), 1_000_000);
  assert.is(meter.sample("a", 10, 4000), 0);
  meter.forget(new Set());
  assert.is(meter.sample("a", 5000, 6000), 0, "forgotten: a first sample again");
});

test("a row that leaves the list stays 60 s marked STOPPED with no uptime, then goes; back in the list it is live again", () => {
  const stopped = new StoppedRows(60_000);
  const key = (r: Row) => String(r.id);
  assert.equal(stopped.update([{ id: "a", status: "ACTIVE", uptimeMs: 5 }, { id: "b", status: "ACTIVE" }], key, 0).length, 2);
  const after = stopped.update([{ id: "b", status: "ACTIVE" }], key, 1000);
  assert.equal(after, [{ id: "b", status: "ACTIVE" }, { id: "a", status: "STOPPED", state: "STOPPED", uptimeMs: 0 }]);
  assert.equal(stopped.update([{ id: "b", status: "ACTIVE" }], key, 60_000).map(key), ["b", "a"]);
  assert.equal(stopped.update([{ id: "b", status: "ACTIVE" }], key, 61_001).map(key), ["b"]);
  const none = new StoppedRows(0);
  none.update([{ id: "a" }], key, 0);
  assert.equal(none.update([], key, 1), [], "streams are not kept");
});

test("nodes with the streams and jobs each holds; 401 and 403 are explained", () => {
  const status = { nodeId: "n1", status: "ok", nodes: [{ id: "n1", address: "127.0.0.1" }, { id: "n2", address: "127.0.0.2" }] };
  const lists = { streams: [{ nodeId: "n1" }, { nodeId: "n2" }, { nodeId: "n1" }], transponders: [{ nodeId: "n2" }] };
  assert.equal(nodeRows(status, lists), [
    { id: "n1", address: "127.0.0.1", counts: "2 streams, 0 transponders" },
    { id: "n2", address: "127.0.0.2", counts: "1 streams, 1 transponders" },
  ]);
  assert.equal(nodeRows(undefined, lists), []);
  assert.match(failureText(401, "401: Unauthorized"), "rest_users");
  assert.match(failureText(403, "403: Forbidden"), "rest_open_to_network");
});

test.run();
