import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError, TranspondError } from "../../../src/errors.ts";
import { AgentError, MEDIA_ERR } from "../../../src/agent/errors.ts";
import { publisherAudioPreference, selectOfferCodecs } from "../../../src/agent/webrtc/offer-codecs.ts";
import { fixture } from "../../support/fixtures.ts";
import { runFuzz } from "../../support/fuzz.ts";

const test = suite("agent/webrtc/offer-codecs");
const PUBLISH = readFileSync(fixture("sdp_offer_chromium156_publish_sendonly_h264-vp8-opus.sdp"), "utf8");
const PLAY = readFileSync(fixture("sdp_offer_chromium156_play_recvonly.sdp"), "utf8");

const mLine = (sdp: string, kind: string) => sdp.split("\r\n").find((l) => l.startsWith(`m=${kind} `))!.split(" ").slice(3);
const fmtp = (sdp: string, pt: string) => sdp.split("\r\n").find((l) => l.startsWith(`a=fmtp:${pt} `));

test("Chromium's publish offer is narrowed to H.264 packetization-mode=1, constrained baseline first, and Opus", () => {
  const out = selectOfferCodecs(PUBLISH);
  assert.ok(out.video && out.audio);
  // Chromium 156: 108 = 42e01f pm=1, 102 = 42001f pm=1, 116 = 4d001f pm=1 (pm=0 variants, VP8, VP9, AV1, RTX dropped)
  assert.equal(mLine(out.sdp, "video"), ["108", "102", "116"]);
  assert.match(fmtp(out.sdp, "108")!, /profile-level-id=42e01f/);
  assert.equal(mLine(out.sdp, "audio"), ["111"]);
  assert.not.match(out.sdp, /VP8|VP9|AV1|packetization-mode=0|apt=/);
  // everything else of the offer is kept: ICE credentials, fingerprint, mids, BUNDLE
  for (const keep of [/a=ice-ufrag:/, /a=fingerprint:sha-256/, /a=group:BUNDLE 0 1/, /a=mid:1/, /a=sendrecv|a=sendonly/, /a=rtcp-fb:108 nack pli/]) assert.match(out.sdp, keep);
});

test("Chromium's play offer is narrowed the same way", () => {
  const out = selectOfferCodecs(PLAY);
  assert.equal(mLine(out.sdp, "video").slice(0, 1), ["108"]);
  assert.equal(mLine(out.sdp, "audio"), ["111"]);
});

test("a player of a G.711 stream keeps only that G.711 when Chromium offers it, else only Opus", () => {
  const pcma = selectOfferCodecs(PLAY, ["PCMA", "opus"]);
  assert.equal(mLine(pcma.sdp, "audio"), ["8"]);
  assert.is(pcma.audioCodec, "PCMA");
  assert.match(pcma.sdp, /a=rtpmap:8 PCMA\/8000/);
  assert.not.match(pcma.sdp, /a=rtpmap:111 /);
  assert.equal(mLine(selectOfferCodecs(PLAY, ["PCMU", "opus"]).sdp, "audio"), ["0"]);
  const noG711 = PLAY.replace(/^(m=audio \S+ \S+) .*$/m, "$1 111");
  const opus = selectOfferCodecs(noG711, ["PCMA", "opus"]);
  assert.equal([mLine(opus.sdp, "audio"), opus.audioCodec], [["111"], "opus"]);
  assert.is(selectOfferCodecs(PLAY).audioCodec, "opus");
});

test("a publisher whose offer lists G.711 first (another server relaying a SIP call) is answered with that G.711 alone; Chromium's (Opus first) with Opus", () => {
  assert.is(publisherAudioPreference(PUBLISH), undefined);
  assert.is(selectOfferCodecs(PUBLISH, publisherAudioPreference(PUBLISH)).audioCodec, "opus");
  const pcmaFirst = PUBLISH.replace(/^(m=audio \S+ \S+) .*$/m, "$1 8 0 111");
  const preference = publisherAudioPreference(pcmaFirst);
  assert.equal(preference, ["PCMA", "opus"]);
  const out = selectOfferCodecs(pcmaFirst, preference);
  assert.equal([mLine(out.sdp, "audio"), out.audioCodec], [["8"], "PCMA"]);
  assert.equal(publisherAudioPreference(PUBLISH.replace(/^(m=audio \S+ \S+) .*$/m, "$1 0 111")), ["PCMU", "opus"]);
  assert.is(publisherAudioPreference("not sdp"), undefined, "selectOfferCodecs reports a malformed offer");
});

test("a section that sends nothing loses its a=ssrc lines (werift would route the viewer's PLI to them), a sending one keeps them", () => {
  const recvonlyWithSsrc = PLAY.replace(/^(a=mid:1)$/m, "$1\r\na=ssrc:3934649988 cname:agent");
  assert.match(recvonlyWithSsrc, /a=ssrc:3934649988/);
  assert.not.match(selectOfferCodecs(recvonlyWithSsrc).sdp, /a=ssrc:/);
  const sent = (PUBLISH.match(/^a=ssrc:/gm) ?? []).length;
  assert.ok(sent > 0);
  assert.is((selectOfferCodecs(PUBLISH).sdp.match(/^a=ssrc:/gm) ?? []).length, sent);
});

test("the input text is not changed", () => {
  const before = PUBLISH.slice();
  selectOfferCodecs(PUBLISH);
  assert.is(PUBLISH, before);
});

const NO_H264 = PUBLISH.replace(/^a=rtpmap:(\d+) H264\/90000\r\n/gm, "a=rtpmap:$1 H265/90000\r\n");
const NO_OPUS = PUBLISH.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 speex/48000");
const ONLY_MODE_0 = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 104\r\na=rtpmap:104 H264/90000\r\na=fmtp:104 packetization-mode=0;profile-level-id=42e01f\r\n";

const BAD: { name: string; sdp: string; code: string }[] = [
  { name: "an offer without H.264 (Chromium with H.264 turned off)", sdp: NO_H264, code: MEDIA_ERR.NO_COMMON_CODECS },
  { name: "an offer without Opus", sdp: NO_OPUS, code: MEDIA_ERR.NO_COMMON_CODECS },
  { name: "H.264 in packetization-mode 0 only", sdp: ONLY_MODE_0, code: MEDIA_ERR.NO_COMMON_CODECS },
  { name: "garbage", sdp: "garbage", code: MEDIA_ERR.BAD_SDP },
  { name: "an empty string", sdp: "", code: MEDIA_ERR.BAD_SDP },
  { name: "a session without media", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", code: MEDIA_ERR.BAD_SDP },
  { name: "a short m= line", sdp: "v=0\r\nm=video 9\r\n", code: MEDIA_ERR.BAD_SDP },
  { name: "a line that is not SDP", sdp: "v=0\r\nhello\r\n", code: MEDIA_ERR.BAD_SDP },
];
for (const bad of BAD) {
  test(`bad offer: ${bad.name} -> ${bad.code}`, () => {
    try {
      selectOfferCodecs(bad.sdp);
      assert.unreachable("should have thrown");
    } catch (err) {
      assert.instance(err, TranspondError);
      assert.is((err as TranspondError).code, bad.code);
    }
  });
}

test("an offer without our codecs is an AgentError that says so and names what is missing (the WHIP 400 answer's message)", () => {
  const messages = [NO_H264, NO_OPUS].map((sdp) => {
    try {
      selectOfferCodecs(sdp);
      return "no error";
    } catch (err) {
      assert.instance(err, AgentError);
      return (err as AgentError).message;
    }
  });
  assert.equal(messages, ["No common codecs: the offer has no H.264 with packetization-mode=1", "No common codecs: the offer has no Opus"]);
});

test("fuzz: mutated Chromium offers give a narrowed offer, No common codecs, or a ParseError", () => {
  const enc = new TextEncoder();
  runFuzz("webrtc-offer-codecs", {
    seed: 8,
    count: 1500,
    inputs: [enc.encode(PUBLISH), enc.encode(PLAY)],
    check: (bytes) => {
      try {
        const out = selectOfferCodecs(new TextDecoder().decode(bytes));
        if (out.video && !/H264\/90000/.test(out.sdp)) throw new Error("video kept without H.264");
      } catch (err) {
        if (err instanceof TranspondError && !(err instanceof ParseError) && err.code === MEDIA_ERR.NO_COMMON_CODECS) return;
        throw err;
      }
    },
  });
});

test.run();
