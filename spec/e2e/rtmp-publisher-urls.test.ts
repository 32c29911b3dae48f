/**
 * Every target URL form arrives at nginx-rtmp as DESIGN "Republishing to RTMP" says, seen through
 * nginx's own `on_connect` / `on_publish` HTTP callbacks (form fields app, tcurl, flashver, name,
 * and one field per query argument). And what nginx does when `on_publish` answers 403.
 */
import { connect as netConnect } from "node:net";
import * as assert from "uvu/assert";
import { RtmpPublishError } from "../../src/rtmp/client/errors.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { parseRtmpTarget, type TargetOptions } from "../../src/rtmp/client/url.ts";
import { RtmpConnection } from "../../src/rtmp/session/connection.ts";
import type { CommandMessage } from "../../src/rtmp/session/events.ts";
import { statusOf } from "../../src/rtmp/session/status.ts";
import { e2eSuite } from "../support/e2e.ts";
import { NginxRtmp } from "../support/nginx.ts";

const test = e2eSuite("e2e/rtmp publisher URL forms at nginx-rtmp", ["nginx"]);
const FLASH_VER = "FMLE/3.0 (compatible; FMSc/1.0)";
let nginx: NginxRtmp | undefined;

test.before(async () => {
  // "live/" is the app nginx derives from connect('live/?user1&pass1') (it cuts the query, keeps the slash)
  nginx = await NginxRtmp.start({
    applications: ["live", "live/", "live/instance"],
    record: false,
    onConnect: () => 200,
    onPublish: (f) => (f.name?.startsWith("refused") ? 403 : 200),
  });
});

test.after(async () => {
  await nginx?.dispose();
});

interface Seen {
  connect: Readonly<Record<string, string>>;
  publish: Readonly<Record<string, string>>;
}

/** Publishes (no media) and returns what nginx's callbacks saw of this one session. */
async function publishOnce(url: string, options: TargetOptions, flashVer = FLASH_VER): Promise<Seen> {
  nginx!.calls.length = 0;
  const publisher = new RtmpPublisher(parseRtmpTarget(url, options), { flashVer, timeoutMs: 5000 });
  await publisher.start();
  await publisher.stop();
  const connect = nginx!.calls.find((c) => c.path === "/on_connect")?.fields;
  const publish = nginx!.calls.find((c) => c.path === "/on_publish")?.fields;
  assert.ok(connect, "nginx called on_connect");
  assert.ok(publish, "nginx called on_publish");
  return { connect: connect!, publish: publish! };
}

test("rtmp://host:port/live with a stream name publishes <prefix><name> in app live", async () => {
  const seen = await publishOnce(nginx!.url("live"), { streamName: "stream1", prefix: "rtmp_" });
  assert.is(seen.connect.app, "live");
  assert.is(seen.connect.tcurl, nginx!.url("live"));
  assert.is(seen.publish.app, "live");
  assert.is(seen.publish.name, "rtmp_stream1");
  assert.is(seen.publish.type, "live");
});

test("an empty prefix publishes the stream name as it is", async () => {
  const seen = await publishOnce(nginx!.url("live"), { streamName: "stream1", prefix: "" });
  assert.is(seen.publish.name, "stream1");
});

test("rtmp://host:port/live/instance connects to app live/instance", async () => {
  const seen = await publishOnce(nginx!.url("live/instance"), { streamName: "s", prefix: "rtmp_" });
  assert.is(seen.connect.app, "live/instance");
  assert.is(seen.connect.tcurl, nginx!.url("live/instance"));
  assert.is(seen.publish.app, "live/instance");
  assert.is(seen.publish.name, "rtmp_s");
});

test("rtmp://host:port/live/?user1&pass1 carries the query in connect: nginx gets app live/, tcurl with the query, and the arguments", async () => {
  const seen = await publishOnce(nginx!.url("live/?user1&pass1"), { streamName: "q", prefix: "rtmp_" });
  // nginx logs: connect: app='live/' args='user1&pass1' tc_url='rtmp://.../live/?user1&pass1'
  assert.is(seen.connect.app, "live/");
  assert.is(seen.connect.tcurl, nginx!.url("live/?user1&pass1"));
  assert.is(seen.connect.user1, "", "connect args are passed on as form fields");
  assert.is(seen.connect.pass1, "");
  assert.is(seen.publish.name, "rtmp_q");
  assert.match(nginx!.errorLog, /connect: app='live\/' args='user1&pass1'/);
});

test("full-URL form rtmp://host:port/live/streamkey publishes streamkey in app live, no prefix", async () => {
  const seen = await publishOnce(nginx!.url("live/streamkey"), { fullUrl: true, prefix: "rtmp_" });
  assert.is(seen.connect.app, "live");
  assert.is(seen.connect.tcurl, nginx!.url("live"));
  assert.is(seen.publish.name, "streamkey");
});

test("full-URL form with a query after the key hands nginx the key as name and the query as publish args", async () => {
  const seen = await publishOnce(nginx!.url("live/key2?token=abc"), { fullUrl: true });
  assert.is(seen.publish.name, "key2");
  assert.is(seen.publish.token, "abc");
});

test("a custom flashVer reaches nginx as flashver", async () => {
  const seen = await publishOnce(nginx!.url("live"), { streamName: "fv", prefix: "" }, "Transpond/0.1 (test)");
  assert.is(seen.connect.flashver, "Transpond/0.1 (test)");
  assert.is(seen.publish.flashver, "Transpond/0.1 (test)");
});

test("on_publish answering 403: nginx closes without an onStatus and the publisher rejects once with ERR_RTMP_CLOSED_ON_PUBLISH (retry true)", async () => {
  const publisher = new RtmpPublisher(parseRtmpTarget(nginx!.url("live"), { streamName: "refused1", prefix: "" }), { flashVer: FLASH_VER, timeoutMs: 5000 });
  try {
    await publisher.start();
    assert.unreachable("publish must be refused");
  } catch (err) {
    assert.instance(err, RtmpPublishError);
    const e = err as RtmpPublishError;
    assert.is(e.code, "ERR_RTMP_CLOSED_ON_PUBLISH");
    assert.match(e.message, /closed the connection before publishing started/);
    // nginx gives no reason we could tell from a dropped network: the transponder retries, then gives up
    assert.is(e.retry, true);
  }
  assert.ok(nginx!.calls.some((c) => c.path === "/on_publish" && c.fields.name === "refused1"));
});

test("what nginx sends after a 403 from on_publish: no NetStream.Publish status, then it closes the TCP connection", async () => {
  const socket = netConnect({ host: "127.0.0.1", port: nginx!.port });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const conn = new RtmpConnection({ role: "client", socket, handshakeTimeoutMs: 5000, callTimeoutMs: 5000 });
  await new Promise<void>((resolve) => conn.once("handshake", resolve));
  const commands: CommandMessage[] = [];
  conn.on("command", (c) => commands.push(c));
  const closed = new Promise<void>((resolve) => conn.once("close", () => resolve()));
  await conn.call("connect", { app: "live", type: "nonprivate", flashVer: FLASH_VER, tcUrl: nginx!.url("live") });
  const created = await conn.call("createStream", null);
  const streamId = created.args[0] as number;
  conn.sendCommand("publish", conn.nextTransactionId(), null, ["refused2", "live"], streamId);
  await closed;
  const statuses = commands.filter((c) => c.name === "onStatus").map((c) => statusOf(c)?.code);
  assert.equal(statuses, [], "nginx sent no onStatus before closing");
});

test.run();
