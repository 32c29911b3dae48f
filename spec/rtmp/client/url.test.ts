import { suite } from "uvu";
import * as assert from "uvu/assert";
import { displayUrl, parseRtmpTarget, RtmpUrlError } from "../../../src/rtmp/client/url.ts";

const test = suite("rtmp/client/url");

test("rtmp://host/app publishes prefix + stream name on port 1935", () => {
  const t = parseRtmpTarget("rtmp://example.com/live", { streamName: "cam", prefix: "rtmp_" });
  assert.equal(
    { host: t.host, port: t.port, app: t.app, tcUrl: t.tcUrl, streamName: t.streamName, secure: t.secure },
    { host: "example.com", port: 1935, app: "live", tcUrl: "rtmp://example.com:1935/live", streamName: "rtmp_cam", secure: false },
  );
});

test("app/instance is the connect app", () => {
  const t = parseRtmpTarget("rtmp://h:1936/app_name/app_instance", { streamName: "s", prefix: "" });
  assert.is(t.app, "app_name/app_instance");
  assert.is(t.port, 1936);
  assert.is(t.streamName, "s");
});

test("a query string stays in the connect app with its slash, as in the WCS capture connect('live/?user1&pass1')", () => {
  const t = parseRtmpTarget("rtmp://p5.flashphoner.com:1935/live/?user1&pass1", { streamName: "stream1", prefix: "rtmp_" });
  assert.is(t.app, "live/?user1&pass1");
  // the capture's tcUrl is 48 bytes long: exactly this string
  assert.is(t.tcUrl, "rtmp://p5.flashphoner.com:1935/live/?user1&pass1");
  assert.is(t.tcUrl.length, 48);
  assert.is(t.streamName, "rtmp_stream1");
  const inst = parseRtmpTarget("rtmp://h/app_name/app_instance/?user=user1&pass=pass1", { streamName: "x" });
  assert.is(inst.app, "app_name/app_instance/?user=user1&pass=pass1");
});

test("credentials are taken out of the URL for authentication", () => {
  const t = parseRtmpTarget("rtmp://name:p%40ss@server:1935/live", { streamName: "s" });
  assert.is(t.user, "name");
  assert.is(t.password, "p@ss");
  assert.is(t.host, "server");
  assert.not.ok(t.tcUrl.includes("p@ss"));
});

test("full-URL form: the last path segment is the stream name, with its query", () => {
  const a = parseRtmpTarget("rtmp://a.rtmp.youtube.com/live2/abcd-efgh", { fullUrl: true, streamName: "ignored", prefix: "rtmp_" });
  assert.is(a.app, "live2");
  assert.is(a.streamName, "abcd-efgh");
  const b = parseRtmpTarget("rtmp://h/app_name/app_instance/stream_name?token=1", { fullUrl: true });
  assert.is(b.app, "app_name/app_instance");
  assert.is(b.streamName, "stream_name?token=1");
});

test("rtmps defaults to port 443; IPv6 hosts are bracketed in tcUrl", () => {
  const s = parseRtmpTarget("rtmps://live-api-s.facebook.com/rtmp/", { streamName: "key", prefix: "" });
  assert.is(s.secure, true);
  assert.is(s.port, 443);
  assert.is(s.app, "rtmp");
  const v6 = parseRtmpTarget("rtmp://[::1]:1935/live", { streamName: "s" });
  assert.is(v6.host, "::1");
  assert.is(v6.tcUrl, "rtmp://[::1]:1935/live");
});

test("seed 000's auto-start URL rtmp://host:1935/ is an empty application, sent as such in connect", () => {
  for (const url of ["rtmp://rtmp.server.com:1935/", "rtmp://rtmp.server.com:1935"]) {
    const t = parseRtmpTarget(url, { streamName: "s", prefix: "rtmp_" });
    assert.is(t.app, "", url);
    assert.is(t.tcUrl, "rtmp://rtmp.server.com:1935/", url);
    assert.is(t.streamName, "rtmp_s", url);
  }
});

test("bad URLs are refused with a reason", () => {
  const bad: [string, object, string][] = [
    ["http://h/live", { streamName: "s" }, "unsupported scheme"],
    ["rtmp://h/live", {}, "no stream name"],
    ["rtmp://h/live", { fullUrl: true }, "needs an app and a stream name"],
    ["rtmp://h:99999/live", { streamName: "s" }, "bad port"],
    ["live", { streamName: "s" }, "not a URL"],
  ];
  for (const [url, options, message] of bad) {
    try {
      parseRtmpTarget(url, options);
      assert.unreachable(url);
    } catch (err) {
      assert.instance(err, RtmpUrlError, url);
      assert.match((err as Error).message, message);
    }
  }
});

test("displayUrl drops the password", () => {
  assert.is(displayUrl("rtmp://u:secret@h/live"), "rtmp://u@h/live");
  assert.is(displayUrl("rtmp://h/live"), "rtmp://h/live");
});

test.run();
