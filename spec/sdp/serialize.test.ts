import { suite } from "uvu";
import * as assert from "uvu/assert";
import { buildSdp, parseSdp, sdpLines, serializeSdp } from "../../src/sdp/index.ts";
import { BROWSER_OFFER } from "./support/samples.ts";

const test = suite("sdp/serialize");

test("writes built descriptions with CRLF after every line", () => {
  const sdp = buildSdp(
    [["v", "0"], ["o", "- 7 8 IN IP4 10.1.1.1"], ["s", "-"], ["t", "0 0"]],
    [[["m", "audio 4000 RTP/AVP 8"], ["a", "rtpmap:8 PCMA/8000"], ["a", "inactive"]]],
  );
  assert.is(serializeSdp(sdp), "v=0\r\no=- 7 8 IN IP4 10.1.1.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n");
  assert.is(sdp.media[0]!.direction, "inactive");
  assert.equal(sdpLines([["a", "x"]]), [{ type: "a", value: "x", eol: "\r\n" }]);
});

test("writes edited line lists, so a codec can be stripped from a received offer", () => {
  const offer = parseSdp(BROWSER_OFFER);
  const video = offer.media[1]!;
  const strip = (pt: string) => (l: { type: string; value: string }) => !(l.type === "a" && /^(rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l.value)?.[2] === pt);
  const lines = video.lines.filter(strip("96")).map((l) => (l.type === "m" ? { ...l, value: l.value.replace(/ 96(?= )/, "") } : l));
  const edited = parseSdp(serializeSdp({ lines: offer.lines, media: [offer.media[0]!, { lines }] }));
  assert.ok(!edited.media[1]!.formats.includes("96"));
  assert.ok(!edited.media[1]!.rtpmaps.some((r) => r.encoding === "VP8"));
  assert.is(edited.media[1]!.rtpmaps.length, video.rtpmaps.length - 1);
  assert.equal(edited.media[0], offer.media[0]);
});

test("does not change the description it writes", () => {
  const offer = parseSdp(BROWSER_OFFER);
  const before = JSON.stringify(offer);
  serializeSdp(offer);
  assert.is(JSON.stringify(offer), before);
});

test.run();
