import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeTransponder, decodeTransponders, flvAudioPlayable, restErrorMessage } from "../../../src/web/client/rest.ts";

const test = suite("web/client/rest");

// The object /rest-api/push/find_all answers with (src/rest/wcs-objects.ts transponderObject)
const FROM_SERVER = {
  mediaSessionId: "eume87rjk3df1i9u14elffga6t",
  streamName: "rtmp_cam1",
  rtmpUrl: "rtmp://localhost:1935/live",
  width: 320,
  height: 240,
  muted: false,
  soundEnabled: true,
  options: {},
  rtmpTransponderFullUrl: false,
  rtmpFlashVersion: "LNX 76.219.189.0",
  status: "ACTIVE",
  lastError: "",
  reconnects: 0,
  droppedFrames: 0,
};

test("a transponder object from the server reads as the row the page shows", () => {
  assert.equal(decodeTransponder(FROM_SERVER), {
    mediaSessionId: "eume87rjk3df1i9u14elffga6t",
    streamName: "rtmp_cam1",
    rtmpUrl: "rtmp://localhost:1935/live",
    width: 320,
    height: 240,
    status: "ACTIVE",
    lastError: "",
    muted: false,
    soundEnabled: true,
  });
});

test("wrongly typed fields read as empty, and entries without mediaSessionId are left out", () => {
  const odd = { mediaSessionId: "m", streamName: 5, width: "320", height: Number.NaN, muted: "true", status: null, lastError: { a: 1 } };
  assert.equal(decodeTransponder(odd), { mediaSessionId: "m", streamName: "5", rtmpUrl: "", width: 0, height: 0, status: "", lastError: "", muted: false, soundEnabled: false });
  assert.equal(decodeTransponders([FROM_SERVER, null, 3, "x", [], { streamName: "no id" }]).map((t) => t.mediaSessionId), ["eume87rjk3df1i9u14elffga6t"]);
  for (const notAList of [undefined, null, {}, "[]", 7]) assert.equal(decodeTransponders(notAList), []);
});

test("REST errors show the server's message, or the body, or the status", () => {
  assert.is(restErrorMessage(409, JSON.stringify({ status: 409, error: "Conflict", message: "a transponder for cam1 to rtmp://h/live already exists" })), "409: a transponder for cam1 to rtmp://h/live already exists");
  assert.is(restErrorMessage(502, "<html>Bad gateway</html>\n"), "502: <html>Bad gateway</html>");
  assert.is(restErrorMessage(500, ""), "HTTP 500");
  assert.is(restErrorMessage(400, '{"message":""}'), '400: {"message":""}');
});

test("HTTP-FLV audio plays for AAC and MP3 only; Opus and G.711 play as video only; unknown codecs trust the FLV header", () => {
  assert.is(flvAudioPlayable({ audioCodec: "AAC", videoCodec: "H264", rtmpApp: "live" }), true);
  assert.is(flvAudioPlayable({ audioCodec: "mp3", videoCodec: "H264", rtmpApp: "live" }), true);
  assert.is(flvAudioPlayable({ audioCodec: "OPUS", videoCodec: "H264", rtmpApp: "live" }), false);
  assert.is(flvAudioPlayable({ audioCodec: "PCMA", videoCodec: "H264", rtmpApp: "live" }), false);
  assert.is(flvAudioPlayable({ audioCodec: "", videoCodec: "H264", rtmpApp: "live" }), undefined);
  assert.is(flvAudioPlayable(undefined), undefined);
});

test.run();
