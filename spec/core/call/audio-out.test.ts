/**
 * What a call sends to the phone, on a manual clock: one packet per ptime with continuous
 * timestamps; silence only with generate_av_for_ua; RFC 4733 digits with one timestamp, the
 * marker first, growing durations and three end packets, audio paused meanwhile; an injected
 * stream's bytes and a sound in place of silence; the marker at each talkspurt start.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CallAudioSender } from "../../../src/core/call/audio-out.ts";
import { decodeTelephoneEvent } from "../../../src/rtp/telephone-event.ts";
import { decodeG711 } from "../../../src/audio/g711.ts";

const test = suite("core/call/audio-out");

interface Sent {
  readonly payloadType: number;
  readonly timestamp: number;
  readonly marker?: boolean;
  readonly payload: Uint8Array;
}

function setup(generateSilence: boolean, ptimeMs = 20, silenceDelayMs = 0) {
  let now = 1000;
  const sent: Sent[] = [];
  const sender = new CallAudioSender({ sink: { send: (p) => sent.push(p) }, law: "PCMA", payloadType: 8, telephoneEventPayloadType: 101, ptimeMs, generateSilence, silenceDelayMs, initialTimestamp: 4000, now: () => now });
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += ptimeMs) {
      now += ptimeMs;
      sender.tick();
    }
  };
  sender.tick();
  return { sender, sent, advance };
}

test("with generate_av_for_ua, PCMA silence goes out every ptime with timestamps 160 apart and the marker only on the first", () => {
  const { sent, advance } = setup(true);
  advance(100);
  assert.is(sent.length, 6);
  assert.equal(sent.map((p) => p.timestamp - 4000), [0, 160, 320, 480, 640, 800]);
  assert.equal(sent.map((p) => p.marker), [true, false, false, false, false, false]);
  assert.ok(sent.every((p) => p.payloadType === 8 && p.payload.length === 160 && p.payload.every((b) => b === 0xd5)));
});

test("generate_av_start_delay holds the silence back that long on the running clock; a DTMF digit still goes out at once", async () => {
  const quiet = setup(true, 20, 100);
  quiet.advance(80);
  assert.is(quiet.sent.length, 0);
  quiet.advance(40);
  assert.equal(quiet.sent.map((p) => p.timestamp - 4000), [5 * 160, 6 * 160], "silence from 100 ms on");
  assert.is(quiet.sent[0]!.marker, true);
  const dtmf = setup(true, 20, 1000);
  void dtmf.sender.sendDtmf("1", 60);
  dtmf.advance(100);
  assert.ok(dtmf.sent.length > 0 && dtmf.sent.every((p) => p.payloadType === 101), "DTMF goes out during the delay, silence does not");
});

test("without it nothing is sent, and the clock still runs", () => {
  const { sender, sent, advance } = setup(false);
  advance(100);
  assert.is(sent.length, 0);
  sender.inject({ kind: "audio", codec: "PCMA", dts: 0, pts: 0, key: true, data: new Uint8Array(160).fill(0x11) });
  advance(20);
  assert.is(sent.length, 1);
  assert.is(sent[0]!.timestamp - 4000, 6 * 160, "the timestamp counts the silent time");
  assert.is(sent[0]!.marker, true);
});

test("a DTMF digit is 160 ms of RFC 4733 events with one timestamp, then audio resumes on the running clock after two ptimes", async () => {
  const { sender, sent, advance } = setup(true);
  advance(20);
  const before = sent.length;
  let done = false;
  const finished = sender.sendDtmf("7", 160).then(() => (done = true));
  advance(20 * 14);
  await finished;
  assert.ok(done);
  const events = sent.slice(before).filter((p) => p.payloadType === 101);
  const decoded = events.map((p) => decodeTelephoneEvent(p.payload));
  assert.equal(decoded.map((e) => e.duration), [160, 320, 480, 640, 800, 960, 1120, 1280, 1280, 1280]);
  assert.equal(decoded.map((e) => e.end), [false, false, false, false, false, false, false, true, true, true]);
  assert.ok(decoded.every((e) => e.event === 7));
  assert.is(new Set(events.map((p) => p.timestamp)).size, 1);
  assert.equal(events.map((p) => p.marker), [true, false, false, false, false, false, false, false, false, false]);
  const after = sent.slice(sent.indexOf(events.at(-1)!) + 1);
  assert.ok(after.length > 0 && after.every((p) => p.payloadType === 8));
  assert.is(after[0]!.timestamp - events[0]!.timestamp, (10 + 2) * 160, "audio resumes after the event and the gap");
  assert.is(after[0]!.marker, true);
});

test("two digits get two timestamps; digits are sent one after the other", () => {
  const { sender, sent, advance } = setup(false);
  void sender.sendDtmf("1#", 100);
  advance(20 * 30);
  const events = sent.filter((p) => p.payloadType === 101).map((p) => ({ ts: p.timestamp, ev: decodeTelephoneEvent(p.payload) }));
  assert.equal([...new Set(events.map((e) => e.ev.event))], [1, 11]);
  assert.is(new Set(events.map((e) => e.ts)).size, 2);
});

test("a sound plays once in place of silence, its tail padded with silence", () => {
  const { sender, sent, advance } = setup(true);
  const samples = new Float32Array(16000 * 0.05).fill(0.5); // 50 ms at 16 kHz mono
  sender.playSound({ sampleRate: 16000, channels: 1, samples });
  assert.ok(sender.soundPlaying);
  const from = sent.length;
  advance(100);
  const loud = sent.slice(from).map((p) => Math.max(...decodeG711("PCMA", p.payload).map(Math.abs)));
  assert.ok(loud[0]! > 10000 && loud[1]! > 10000, "the sound");
  assert.ok(loud.slice(4).every((v) => v < 100), "then silence again");
  assert.is(sender.soundPlaying, false);
  assert.is(sender.counts.sound, 3);
});

test("injected audio queues at most a second; older bytes are dropped and counted", () => {
  const { sender } = setup(false);
  for (let i = 0; i < 60; i++) sender.inject({ kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: new Uint8Array(160) });
  assert.is(sender.counts.injectDropped, 10);
});

test("after a stall the clock skips ahead instead of bursting more than 10 packets", () => {
  let now = 0;
  const sent: Sent[] = [];
  const sender = new CallAudioSender({ sink: { send: (p) => sent.push(p) }, law: "PCMU", payloadType: 0, ptimeMs: 20, generateSilence: true, initialTimestamp: 0, now: () => now });
  sender.tick();
  now = 2000;
  sender.tick();
  assert.is(sent.length, 11);
  assert.is(sent.at(-1)!.timestamp, 100 * 160, "the timestamp matches the wall clock");
  assert.ok(sent[1]!.payload.every((b) => b === 0xff), "PCMU silence is 0xff");
});

test.run();
