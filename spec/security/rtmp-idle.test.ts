/**
 * Issue 14, attack 5 (RTMP): a publisher that goes silent kept its name for ever and the real
 * publisher coming back got BadName. With `rtmp.publish_idle_timeout` the silent one is
 * disconnected, its name freed, and the next publisher of that name is accepted.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp } from "./support/app.ts";

const test = suite("security/rtmp-idle");

test("a silent publisher loses its name after rtmp.publish_idle_timeout; the same name then publishes", async () => {
  const server = await startTestApp({ "rtmp.publish_idle_timeout": 1000 });
  const url = `rtmp://127.0.0.1:${server.app.ports.rtmp}/live/cam`;
  const silent = new RtmpPublisher(url);
  const again = new RtmpPublisher(url);
  try {
    await silent.start();
    assert.ok(server.app.hub.get("cam"), "published");
    const started = Date.now();
    await waitFor("the idle publisher to be dropped", () => (server.app.hub.get("cam") === undefined ? true : undefined), 15000);
    assert.ok(Date.now() - started >= 500, "not before the timeout");
    await again.start();
    assert.ok(server.app.hub.get("cam"), "the name is free again");
  } finally {
    await silent.stop().catch(() => undefined);
    await again.stop().catch(() => undefined);
    await server.close();
  }
});

test.run();
