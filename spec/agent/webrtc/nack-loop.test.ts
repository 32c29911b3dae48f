import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { RTCPeerConnection } from "werift";
import { createAnsweringPeer } from "../../../src/agent/webrtc/answer.ts";
import { MediaReceiver } from "../../../src/agent/webrtc/media-receiver.ts";
import { sleep, waitFor } from "../../support/net.ts";
import { fixtureVideo, LOOPBACK_NET, publishingBrowser, writeVideo } from "../support/werift-browser.ts";

const test = suite("agent/webrtc/nack-loop");
/** a packet of the fixture's first frames (the browser numbers from 1000), held back until it is NACKed */
const LOST_SEQUENCE = 1005;

/** werift's NACK handler of the receiving peer's video (private in werift's types). */
function videoNackLoop(pc: RTCPeerConnection): () => unknown {
  const receiver = pc.getTransceivers().find((t) => t.kind === "video")!.receiver as unknown as { nack: { nackLoop: unknown } };
  return () => receiver.nack.nackLoop;
}

test("a video packet lost on the way is NACKed and sent again; once it is in, the receiver's 5 ms NACK loop stops (werift's own ran on until the peer closed)", async () => {
  const browser = await publishingBrowser();
  let connected = false;
  const peer = createAnsweringPeer(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: () => {} });
  const receiver = new MediaReceiver(peer.pc);
  try {
    await browser.accept(await peer.answer());
    await waitFor("ICE + DTLS", () => (connected ? true : undefined), 10000);
    let nacksReceived = 0;
    const send = browser.video.writeRtp.bind(browser.video);
    let held: Buffer | undefined;
    let resent = false;
    browser.video.writeRtp = (rtp) => {
      if (!held && Buffer.isBuffer(rtp) && rtp.readUInt16BE(2) === LOST_SEQUENCE) held = rtp;
      else send(rtp);
    };
    // the browser answers the first NACK with the packet, as a sender repairs a loss from its history
    browser.pc.getTransceivers().find((t) => t.kind === "video")!.sender.onGenericNack.subscribe(() => {
      nacksReceived++;
      if (held && !resent) {
        resent = true;
        send(held);
      }
    });
    const { config, frames } = fixtureVideo(20);
    const seq = { n: 1000 };
    for (const frame of frames) {
      writeVideo(browser.video, frame, config, seq);
      await sleep(5);
    }
    await waitFor("the browser to get a NACK for the missing packet and send it", () => (resent ? true : undefined), 5000);
    const nackLoop = videoNackLoop(peer.pc);
    await waitFor("the NACK loop to stop once nothing is missing", () => (nackLoop() === undefined ? true : undefined), 2000, 20);
    const nacks = nacksReceived;
    await sleep(200);
    assert.is(nackLoop(), undefined, "it stays stopped");
    assert.is(nacksReceived, nacks, "no NACK without a loss");
  } finally {
    receiver.close();
    peer.close();
    await browser.close();
  }
});

test.run();
