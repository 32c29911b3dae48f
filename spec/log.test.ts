import { suite } from "uvu";
import * as assert from "uvu/assert";
import { maskCredentials as redactUrl } from "../src/credentials.ts";
import { configureLogging, createLogger } from "../src/log.ts";

const test = suite("log");
const lines: string[] = [];
const fixedClock = () => new Date("2026-01-02T03:04:05.000Z");

test.before.each(() => {
  lines.length = 0;
  configureLogging({ level: "info", json: false, write: (l) => lines.push(l), clock: fixedClock });
});
test.after(() => configureLogging({ level: "info", json: false, write: (l) => process.stderr.write(l + "\n"), clock: () => new Date() }));

test("passwords in URLs are removed, the user is kept", () => {
  assert.is(redactUrl("rtmp://alice:s3cret@example.com:1935/live"), "rtmp://alice@example.com:1935/live");
  assert.is(redactUrl("see rtmps://u:p@h/a and rtmp://h/b"), "see rtmps://u@h/a and rtmp://h/b");
  assert.is(redactUrl("rtmp://host/app?user=x"), "rtmp://host/app?user=x");
});

test("secret fields are masked and URL passwords stripped in messages and fields", () => {
  const log = createLogger("sip");
  log.info("calling rtmp://bob:hunter2@host/app", { sipPassword: "hunter2", url: "rtmp://bob:hunter2@x/y", callId: "c1" });
  assert.is(lines.length, 1);
  assert.not.ok(lines[0]!.includes("hunter2"), lines[0]);
  assert.ok(lines[0]!.includes('callId="c1"'));
  assert.ok(lines[0]!.startsWith("2026-01-02T03:04:05.000Z INFO  [sip] calling rtmp://bob@host/app"));
});

test("levels below the configured one are not written", () => {
  const log = createLogger("x");
  log.debug("hidden");
  log.warn("shown");
  assert.is(lines.length, 1);
  assert.ok(lines[0]!.includes("WARN"));
});

test("JSON lines carry time, level, scope, message and fields", () => {
  configureLogging({ json: true });
  createLogger("rtmp").child("server").error("closed", { reason: "bad chunk", password: "p" });
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry, { time: "2026-01-02T03:04:05.000Z", level: "error", scope: "rtmp.server", msg: "closed", reason: "bad chunk", password: "***" });
});

test("a field that is undefined is left out of text lines as of JSON lines, never written as key=undefined", () => {
  const log = createLogger("call");
  log.info("call TRYING", { callId: "c1", sipStatus: null, info: undefined, rtmpStreamStatus: undefined });
  configureLogging({ json: true });
  log.info("call TRYING", { callId: "c1", sipStatus: null, info: undefined, rtmpStreamStatus: undefined });
  assert.is(lines[0], '2026-01-02T03:04:05.000Z INFO  [call] call TRYING callId="c1" sipStatus=null');
  assert.equal(JSON.parse(lines[1]!), { time: "2026-01-02T03:04:05.000Z", level: "info", scope: "call", msg: "call TRYING", callId: "c1", sipStatus: null });
});

test.run();
