import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { RTCPeerConnection } from "werift";
import { createAnsweringPeer } from "../../../src/agent/webrtc/answer.ts";
import { MediaReceiver } from "../../../src/agent/webrtc/media-receiver.ts";
import { sleep, waitFor } from "../../support/net.ts";
import { fixtureVideo, LOOPBACK_NET, publishingBrowser, writeVideo } from "../support/werift-browser.ts";

const test = suite("agent/webrtc/werift-nack");
/** a packet of the fixture's first frames (the browser numbers from 1000), held back until it is NACKed */
const LOST_SEQUENCE = 1005;

/** werift's NACK handler of the receiving peer's video (private in werift's types). */
function videoNackLoop(pc: RTCPeerConnection): () => unknown {
  const receiver = pc.getTransceivers().find((t) => t.kind === "video")!.receiver as unknown as { nack: { nackLoop: unknown } };
  return () => receiver.nack.nackLoop;
}

/** A werift browser publishing to an answering peer with its MediaReceiver, connected. */
async function connectedPublisher() {
  const browser = await publishingBrowser();
  let connected = false;
  const peer = createAnsweringPeer(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: () => {} });
  const receiver = new MediaReceiver(peer.pc);
  const close = async () => {
    receiver.close();
    peer.close();
    await browser.close();
  };
  try {
    await browser.accept(await peer.answer());
    await waitFor("ICE + DTLS", () => (connected ? true : undefined), 10000);
  } catch (err) {
    await close();
    throw err;
  }
  return { browser, peer, close };
}

test("a video packet lost on the way is NACKed and sent again; once it is in, the receiver's 5 ms NACK loop stops (werift's own ran on until the peer closed)", async () => {
  const { browser, peer, close } = await connectedPublisher();
  try {
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
    await close();
  }
});

test("losses where the 16-bit sequence numbers wrap are NACKed, and so is the next loss after them (werift missed both); a packet from before the wrap that comes late is no loss (werift NACKed 150 numbers for it)", async () => {
  const { browser, close } = await connectedPublisher();
  try {
    // 65535 is the last number before the wrap; 30 comes 31 packets after it
    const lostOnes = [65535, 30];
    const held = new Map<number, Buffer>();
    const resent: number[] = [];
    const nacked = new Set<number>();
    let beforeWrap: Buffer | undefined;
    const send = browser.video.writeRtp.bind(browser.video);
    browser.video.writeRtp = (rtp) => {
      const seq = Buffer.isBuffer(rtp) ? rtp.readUInt16BE(2) : -1;
      if (seq === 65520) beforeWrap = rtp as Buffer;
      if (lostOnes.includes(seq) && !held.has(seq) && !resent.includes(seq)) held.set(seq, rtp as Buffer);
      else send(rtp);
    };
    browser.pc.getTransceivers().find((t) => t.kind === "video")!.sender.onGenericNack.subscribe((nack) => {
      for (const seq of nack.lost) {
        nacked.add(seq);
        const packet = held.get(seq);
        if (!packet) continue;
        held.delete(seq);
        resent.push(seq);
        send(packet);
      }
    });
    const { config, frames } = fixtureVideo(120);
    const seq = { n: 65500 };
    for (const frame of frames) {
      if (seq.n > 65536 + 40) break;
      writeVideo(browser.video, frame, config, seq);
      await sleep(5);
    }
    await waitFor("both losses to be NACKed and sent again", () => (resent.length === 2 ? true : undefined), 5000).catch((err: Error) => assert.unreachable(`${err.message}; sent again: [${resent.join(", ")}]`));
    assert.equal(resent, lostOnes);
    send(beforeWrap!);
    await sleep(300);
    assert.equal([...nacked].sort((a, b) => a - b), [30, 65535], `NACKed only what was lost (${nacked.size} numbers)`);
  } finally {
    await close();
  }
});

test.run();
