import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { decodeClientFrame, decodeConnection, decodeStreamRequest, encodeServerFrame, streamStatusEvent } from "../../../src/agent/signaling/messages.ts";
import { SIGNALING_ERR } from "../../../src/agent/errors.ts";
import { runFuzz } from "../../support/fuzz.ts";

const test = suite("agent/signaling/messages");

/** publishStream exactly as the Web SDK 2.0.276 builds it (reference 1.5). */
const SDK_PUBLISH = {
  message: "publishStream",
  data: [
    {
      mediaSessionId: "8f0c2a20-e5f1-11f1-9d1c-6f9b2a1c0d11",
      name: "stream1",
      published: true,
      hasVideo: true,
      hasAudio: true,
      status: "PENDING",
      record: false,
      mediaProvider: "WebRTC",
      sdp: "v=0\r\n",
      custom: { k: "v" },
      bitrate: 0,
      minBitrate: 0,
      maxBitrate: 0,
      rtmpUrl: "rtmp://127.0.0.1:1935/live",
      constraints: { audio: true, video: { width: 320, height: 240 } },
      localMediaInfo: { devices: { video: [], audio: [] }, tracks: { video: [], audio: [] } },
    },
  ],
};

test("decodes the Web SDK's publishStream frame and keeps the fields the server uses", () => {
  const frame = decodeClientFrame(JSON.stringify(SDK_PUBLISH));
  assert.is(frame.message, "publishStream");
  const req = decodeStreamRequest(frame.message, frame.payload, true);
  assert.equal(req, {
    mediaSessionId: "8f0c2a20-e5f1-11f1-9d1c-6f9b2a1c0d11",
    name: "stream1",
    sdp: "v=0\r\n",
    hasVideo: true,
    hasAudio: true,
    record: false,
    mediaProvider: "WebRTC",
    rtmpUrl: "rtmp://127.0.0.1:1935/live",
    custom: { k: "v" },
  });
});

test("pong with data [null] and the MSE transport's pong without data both decode", () => {
  assert.equal(decodeClientFrame('{"message":"pong","data":[null]}'), { message: "pong", payload: null });
  assert.equal(decodeClientFrame('{"message":"pong"}'), { message: "pong", payload: null });
});

test("a missing mediaSessionId decodes as empty so the session can answer `MediaSessionId is null`", () => {
  assert.is(decodeStreamRequest("playStream", { name: "a", sdp: "v=0" }, true).mediaSessionId, "");
});

test("server frames always carry a data array, with setRemoteSDP positional", () => {
  assert.is(encodeServerFrame("ping", []), '{"message":"ping","data":[]}');
  assert.equal(JSON.parse(encodeServerFrame("setRemoteSDP", ["id1", "v=0\r\n"])), { message: "setRemoteSDP", data: ["id1", "v=0\r\n"] });
});

test("the status event echoes the request with status and info in WCS's shape", () => {
  const req = decodeStreamRequest("publishStream", SDK_PUBLISH.data[0], true);
  const event = streamStatusEvent(req, true, "FAILED", "Stream name is already in use");
  assert.is(event.mediaSessionId, req.mediaSessionId);
  assert.is(event.name, "stream1");
  assert.is(event.published, true);
  assert.is(event.status, "FAILED");
  assert.is(event.info, "Stream name is already in use");
  assert.equal(event.audioState, { muted: false });
});

test("connection drops secrets before they can be echoed and defaults appKey", () => {
  const c = decodeConnection({ sipLogin: "a", sipPassword: "p", authToken: "t", custom: { x: 1 } });
  assert.is(c.appKey, "defaultApp");
  assert.equal(c.fields, { sipLogin: "a", custom: { x: 1 } });
});

const BAD: { name: string; text: string; code: string; needSdp?: boolean }[] = [
  { name: "not JSON", text: "{", code: SIGNALING_ERR.JSON },
  { name: "a string", text: '"x"', code: SIGNALING_ERR.ENVELOPE },
  { name: "null", text: "null", code: SIGNALING_ERR.ENVELOPE },
  { name: "an empty message name", text: '{"message":"","data":[]}', code: SIGNALING_ERR.ENVELOPE },
  { name: "a numeric message name", text: '{"message":7,"data":[]}', code: SIGNALING_ERR.ENVELOPE },
  { name: "data as an object", text: '{"message":"x","data":{}}', code: SIGNALING_ERR.ENVELOPE },
  { name: "publish with a 300-character name", text: JSON.stringify({ message: "publishStream", data: [{ name: "n".repeat(300), sdp: "v=0" }] }), code: SIGNALING_ERR.FIELD },
  { name: "publish with an empty name", text: JSON.stringify({ message: "publishStream", data: [{ name: " ", sdp: "v=0" }] }), code: SIGNALING_ERR.FIELD },
  { name: "publish with an object mediaSessionId", text: JSON.stringify({ message: "publishStream", data: [{ mediaSessionId: {}, name: "a", sdp: "v=0" }] }), code: SIGNALING_ERR.FIELD },
  { name: "publish with an empty sdp", text: JSON.stringify({ message: "publishStream", data: [{ mediaSessionId: "i", name: "a", sdp: "" }] }), code: SIGNALING_ERR.FIELD },
  { name: "publish with a numeric rtmpUrl", text: JSON.stringify({ message: "publishStream", data: [{ mediaSessionId: "i", name: "a", sdp: "v=0", rtmpUrl: 1 }] }), code: SIGNALING_ERR.FIELD },
  { name: "publish with record as a string", text: JSON.stringify({ message: "publishStream", data: [{ mediaSessionId: "i", name: "a", sdp: "v=0", record: "no" }] }), code: SIGNALING_ERR.FIELD },
];

for (const bad of BAD) {
  test(`bad frame: ${bad.name} -> ${bad.code}`, () => {
    try {
      const f = decodeClientFrame(bad.text);
      decodeStreamRequest(f.message, f.payload, true);
      assert.unreachable("should have thrown");
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, bad.code);
    }
  });
}

test("fuzz: mutated SDK frames only ever fail with ParseError", () => {
  const seeds = [JSON.stringify(SDK_PUBLISH), '{"message":"connection","data":[{"appKey":"defaultApp","mediaProviders":["WebRTC"]}]}', '{"message":"pong","data":[null]}'].map((s) => new TextEncoder().encode(s));
  const report = runFuzz("wcs-signaling-frame", {
    seed: 4,
    count: 3000,
    inputs: seeds,
    check: (bytes) => {
      const f = decodeClientFrame(new TextDecoder().decode(bytes));
      if (f.message === "connection") decodeConnection(f.payload);
      else decodeStreamRequest(f.message, f.payload, false);
    },
  });
  assert.ok(report.codes.get(SIGNALING_ERR.JSON)! > 0);
  assert.ok(report.accepted > 0);
});

test.run();
