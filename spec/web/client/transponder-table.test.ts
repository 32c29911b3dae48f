import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { TransponderView } from "../../../src/web/client/rest.ts";
import { actionRequest, cellText, COLUMNS, rowActions } from "../../../src/web/client/transponder-table.ts";

const test = suite("web/client/transponder-table");
const T: TransponderView = { mediaSessionId: "ms1", streamName: "rtmp_cam", rtmpUrl: "rtmp://h/live", width: 1280, height: 720, status: "FAILED", lastError: "connect ECONNREFUSED", muted: true, soundEnabled: false };

test("a row shows every column the brief lists, in order", () => {
  assert.equal(COLUMNS.map((c) => cellText(T, c)), ["ms1", "rtmp_cam", "rtmp://h/live", "1280×720", "FAILED", "connect ECONNREFUSED", "yes", "off"]);
  const fresh = { ...T, width: 0, height: 0, status: "CONNECTING", lastError: "", muted: false, soundEnabled: true };
  assert.equal(COLUMNS.map((c) => cellText(fresh, c)), ["ms1", "rtmp_cam", "rtmp://h/live", "—", "CONNECTING", "—", "no", "on"]);
});

test("a muted row offers Unmute, an unmuted one Mute; both offer sound on, sound off and stop", () => {
  assert.equal(rowActions(T).map((a) => a.action), ["unmute", "sound_on", "sound_off", "terminate"]);
  assert.equal(rowActions({ ...T, muted: false }).map((a) => a.label), ["Mute", "Sound on", "Sound off", "Stop"]);
});

test("each button POSTs the WCS body to /rest-api/push/<action>; sound_on carries the file and loop", () => {
  const sound = { soundFile: "tone.wav", loop: true };
  assert.equal(actionRequest("mute", "ms1", sound), { path: "/rest-api/push/mute", body: { mediaSessionId: "ms1" } });
  assert.equal(actionRequest("unmute", "ms1", sound), { path: "/rest-api/push/unmute", body: { mediaSessionId: "ms1" } });
  assert.equal(actionRequest("sound_on", "ms1", sound), { path: "/rest-api/push/sound_on", body: { mediaSessionId: "ms1", soundFile: "tone.wav", loop: true } });
  assert.equal(actionRequest("sound_off", "ms1", sound), { path: "/rest-api/push/sound_off", body: { mediaSessionId: "ms1" } });
  assert.equal(actionRequest("terminate", "ms1", sound), { path: "/rest-api/push/terminate", body: { mediaSessionId: "ms1" } });
});

test.run();
