/**
 * The SDP of REST calls beyond the first exchange: an answer without the refused sections is read
 * against the matching part of the offer; a re-offer tells hold (sendonly, inactive, c=0.0.0.0)
 * and new RTP addresses; our answer to it mirrors the direction and carries the new o= version.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { answerReoffer, readReoffer } from "../../src/sdp/reoffer.ts";
import { buildSipOffer, readAnswerLeniently } from "../../src/sdp/offer.ts";
import { parseSdp } from "../../src/sdp/parse.ts";
import { serializeSdp } from "../../src/sdp/serialize.ts";

const test = suite("sdp/reoffer");
const offer = buildSipOffer({ address: "10.0.0.1", audioPort: 31000, videoPort: 31002, hasAudio: true, hasVideo: false });
const sdp = (body: string) => parseSdp(`v=0\r\no=p 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n${body}`);
const AUDIO = "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

test("an audio-only answer to our audio + video offer is read as audio PCMU with telephone-event and no video", () => {
  const answer = readAnswerLeniently(offer, sdp(AUDIO));
  assert.is(answer.audio?.codec?.encoding.toUpperCase(), "PCMU");
  assert.is(answer.audio?.port, 4000);
  assert.is(answer.audio?.address, "10.0.0.2");
  assert.is(answer.audio?.telephoneEvent?.payloadType, 101);
  assert.is(answer.video, undefined);
});

test("a full answer with the video refused (port 0) is read as RFC 3264 says", () => {
  const answer = readAnswerLeniently(offer, sdp(`${AUDIO}m=video 0 RTP/AVP 96\r\n`));
  assert.is(answer.video?.rejected, true);
});

test("an answer whose sections are of other media than offered is still a ParseError", () => {
  try {
    readAnswerLeniently(offer, sdp("m=application 5000 UDP/BFCP *\r\nm=text 5002 RTP/AVP 98\r\nm=message 5004 TCP/MSRP *\r\n"));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ParseError);
  }
});

for (const [name, body, held, inactive] of [
  ["a=sendonly", `${AUDIO}a=sendonly\r\n`, true, false],
  ["a=inactive", `${AUDIO}a=inactive\r\n`, true, true],
  ["c=0.0.0.0 (RFC 2543 hold)", AUDIO.replace("m=audio 4000 RTP/AVP 0 101\r\n", "m=audio 4000 RTP/AVP 0 101\r\nc=IN IP4 0.0.0.0\r\n"), true, false],
  ["a=sendrecv", `${AUDIO}a=sendrecv\r\n`, false, false],
] as const) {
  test(`a re-offer with ${name} is ${held ? "" : "not "}hold`, () => {
    const r = readReoffer(sdp(body));
    assert.is(r.held, held);
    assert.is(r.inactive, inactive);
  });
}

test("a re-offer moving the audio gives the new RTP and RTCP address", () => {
  const r = readReoffer(sdp(`${AUDIO.replace("4000", "5000")}a=rtcp:5005 IN IP4 10.0.0.9\r\n`));
  assert.equal(r.remotes.get("audio"), { address: "10.0.0.2", port: 5000, rtcpAddress: "10.0.0.9", rtcpPort: 5005 });
});

test("our answer to a hold is our description recvonly (inactive to inactive) with the new o= version; unhold restores the directions", () => {
  const ours = serializeSdp(offer);
  const held = answerReoffer(ours, 2, readReoffer(sdp(`${AUDIO}a=sendonly\r\n`)));
  assert.match(held, /^o=transpond 0 2 IN IP4 10\.0\.0\.1$/m);
  assert.is((held.match(/^a=recvonly$/gm) ?? []).length, 2);
  assert.is(held.includes("a=sendrecv"), false);
  assert.is((answerReoffer(ours, 3, readReoffer(sdp(`${AUDIO}a=inactive\r\n`))).match(/^a=inactive$/gm) ?? []).length, 2);
  const back = answerReoffer(ours, 4, readReoffer(sdp(AUDIO)));
  assert.match(back, /^o=transpond 0 4 /m);
  assert.equal(back.match(/^a=(sendrecv|recvonly)$/gm), ["a=sendrecv", "a=recvonly"]);
});

test.run();
