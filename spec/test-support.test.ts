/** The tests' own helpers where a mistake would make other tests flaky (spec/support). */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mediaPortRange } from "./support/media-ports.ts";
import { freeTcpPort, freeUdpPort } from "./support/net.ts";

const test = suite("test support");
const ephemeralFirst = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

test("freeTcpPort: 300 calls give 300 different ports, all below the kernel's ephemeral range (where binds to port 0 and outgoing connections land)", async () => {
  const ports = [];
  for (let i = 0; i < 300; i++) ports.push(await freeTcpPort());
  assert.is(new Set(ports).size, 300);
  const inRange = ports.filter((p) => p >= ephemeralFirst);
  assert.equal(inRange, [], `ports at or above ${ephemeralFirst}`);
});

test("freeTcpPort skips a port something listens on", async () => {
  const first = await freeTcpPort();
  const busy = createServer();
  await new Promise<void>((done) => busy.listen(first + 1, "127.0.0.1", done));
  try {
    const next = await freeTcpPort();
    assert.is.not(next, first + 1);
    const check: Server = createServer();
    await new Promise<void>((done, fail) => (check.once("error", fail), check.listen(next, "127.0.0.1", done)));
    check.close();
  } finally {
    busy.close();
  }
});

test("freeUdpPort: below the kernel's ephemeral range and outside the media ranges handed out before it", async () => {
  const media = mediaPortRange(100);
  const ports = [await freeUdpPort(), await freeUdpPort()];
  assert.is.not(ports[0], ports[1]);
  for (const p of ports) {
    assert.ok(p < ephemeralFirst, `${p}`);
    assert.ok(p < media.media_port_from || p > media.media_port_to, `${p} is inside ${media.media_port_from}..${media.media_port_to}`);
  }
});

test.run();
