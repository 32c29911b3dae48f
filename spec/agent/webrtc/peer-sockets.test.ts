/** media_receive_buffer on the UDP sockets werift opens for a peer (agent/webrtc/peer-sockets.ts). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createAnsweringPeer } from "../../../src/agent/webrtc/answer.ts";
import { createOfferingPeer } from "../../../src/agent/webrtc/offer.ts";
import { peerUdpSockets } from "../../../src/agent/webrtc/peer-sockets.ts";
import { grantedReceiveBuffer, receiveBufferSize } from "../../../src/rtp/receive-buffer.ts";
import { LOOPBACK_NET, publishingBrowser } from "../support/werift-browser.ts";

const test = suite("agent/webrtc/peer-sockets");
const ASKED = 512 * 1024;
const events = { connected: () => {}, failed: () => {} };

const sizes = (pc: Parameters<typeof peerUdpSockets>[0]) => peerUdpSockets(pc).map(receiveBufferSize);

test("a publisher's and a relay pull's UDP sockets get media_receive_buffer once gathered; without it they keep the kernel's default", async () => {
  const granted = await grantedReceiveBuffer(ASKED);
  const browsers = [await publishingBrowser(), await publishingBrowser()];
  const publisher = createAnsweringPeer(browsers[0]!.offer, { ...LOOPBACK_NET, receiveBufferBytes: ASKED }, events);
  const unsized = createAnsweringPeer(browsers[1]!.offer, LOOPBACK_NET, events);
  const pull = createOfferingPeer({ net: { ...LOOPBACK_NET, receiveBufferBytes: ASKED }, kinds: ["audio", "video"], events });
  try {
    await publisher.answer();
    await unsized.answer();
    await pull.offer();
    for (const [name, pc] of [["publisher", publisher.pc], ["relay pull", pull.pc]] as const) {
      const got = sizes(pc);
      assert.ok(got.length > 0, `${name}: no UDP socket found`);
      assert.equal(got, got.map(() => granted), `${name}: ${got.join(", ")} bytes, the kernel gives ${granted}`);
    }
    const defaults = sizes(unsized.pc);
    assert.ok(defaults.length > 0 && defaults.every((size) => size < granted), `unsized: ${defaults.join(", ")}, sized ${granted}`);
  } finally {
    publisher.close();
    unsized.close();
    pull.close();
    for (const b of browsers) await b.close();
  }
});

test.run();
