import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NO_COMMON_CODECS, parseSdp, selectAudioCodec, selectCodecs, selectVideoCodec, serializeSdp } from "../../src/sdp/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { fieldShows, findFields, findProto, tsharkPdml } from "../support/tshark.ts";
import { BROWSER_OFFER, PHONE_OFFER } from "./support/samples.ts";
import { sdpBodies } from "./support/sip-bodies.ts";

function videoOffer(...formats: [pt: number, fmtp: string | undefined][]): string {
  const lines = ["v=0", "o=- 1 1 IN IP4 10.0.0.1", "s=-", "t=0 0", `m=video 5000 RTP/AVP ${formats.map(([pt]) => pt).join(" ")}`];
  for (const [pt, fmtp] of formats) {
    lines.push(`a=rtpmap:${pt} H264/90000`);
    if (fmtp !== undefined) lines.push(`a=fmtp:${pt} ${fmtp}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

const unit = suite("sdp/codecs");

unit("picks H.264 packetization-mode=1 constrained baseline from a browser offer", () => {
  const selection = selectCodecs(parseSdp(BROWSER_OFFER));
  assert.is(selection.video!.codec!.payloadType, 125);
  assert.is(selection.video!.codec!.packetizationMode, 1);
  assert.is(selection.video!.codec!.profileLevelId, "42e01f");
  assert.equal(selection.video!.codec!.rtcpFbs, [{ format: "125", type: "ccm", subtype: "fir" }]);
  assert.is(selection.video!.codec!.mediaIndex, 1);
  assert.is(selection.audio!.codec!.payloadType, 111);
  assert.is(selection.audio!.codec!.encoding, "opus");
  assert.is(selection.telephoneEvent!.payloadType, 110, "telephone-event at Opus's 48000");
});

unit("a real Chromium 156 publish offer gets H.264 mode 1 constrained baseline, Opus and telephone-event/48000", () => {
  const text = readFileSync(fixture("sdp_offer_chromium156_publish_sendonly_h264-vp8-opus.sdp"), "utf8");
  const offer = parseSdp(text);
  assert.is(serializeSdp(offer), text);
  const selection = selectCodecs(offer);
  const video = selection.video!.codec!;
  assert.equal([video.payloadType, video.packetizationMode, video.profileLevelId], [108, 1, "42e01f"]);
  assert.ok(video.rtcpFbs.some((fb) => fb.type === "nack" && fb.subtype === "pli"));
  assert.is(selection.audio!.codec!.payloadType, 111);
  assert.equal([selection.telephoneEvent!.payloadType, selection.telephoneEvent!.clockRate], [110, 48000]);
  // addTrack makes sendrecv transceivers (despite "sendonly" in the file name).
  assert.equal(offer.media.map((m) => m.direction), ["sendrecv", "sendrecv"]);
});

unit("a real Chromium 156 play offer is recvonly and still gets codecs", () => {
  const text = readFileSync(fixture("sdp_offer_chromium156_play_recvonly.sdp"), "utf8");
  const offer = parseSdp(text);
  assert.is(serializeSdp(offer), text);
  assert.ok(offer.media.every((m) => m.direction === "recvonly"));
  const selection = selectCodecs(offer);
  assert.is(selection.video!.codec!.packetizationMode, 1);
  assert.is(selection.audio!.codec!.encoding, "opus");
});

unit("ranks H.264 by mode, then 42e0 > 42c0 > 4200 > other baseline > other profiles, then offer order", () => {
  const cases: [string, [number, string | undefined][], number | null][] = [
    ["mode 1 beats a better profile in mode 0", [[97, "profile-level-id=42e01f;packetization-mode=0"], [98, "profile-level-id=640032;packetization-mode=1"]], 98],
    ["42c0 beats 4200", [[100, "packetization-mode=1;profile-level-id=42001f"], [101, "packetization-mode=1;profile-level-id=42c01f"]], 101],
    ["4200 beats 4d00", [[100, "packetization-mode=1;profile-level-id=4d001f"], [101, "packetization-mode=1;profile-level-id=42001f"]], 101],
    ["4210 beats 6400", [[100, "packetization-mode=1;profile-level-id=640c1f"], [101, "packetization-mode=1;profile-level-id=42101f"]], 101],
    ["offer order breaks ties", [[110, "packetization-mode=1;profile-level-id=42e01f"], [111, "packetization-mode=1;profile-level-id=42E01F"]], 110],
    ["mode 0 when nothing else", [[99, "profile-level-id=42e01f"]], 99],
    ["no fmtp means mode 0 baseline", [[99, undefined]], 99],
    ["mode 2 never", [[99, "packetization-mode=2;profile-level-id=42e01f"]], null],
  ];
  for (const [name, formats, expected] of cases) {
    const result = selectVideoCodec(parseSdp(videoOffer(...formats)));
    assert.is(result.codec?.payloadType ?? null, expected, name);
    if (expected === null) assert.is(result.reason, NO_COMMON_CODECS, name);
  }
  const defaults = selectVideoCodec(parseSdp(videoOffer([99, undefined])));
  assert.is(defaults.codec!.profileLevelId, "42000a");
  assert.is(defaults.codec!.packetizationMode, 0);
});

unit("refuses H.264 mode 0 when mode 0 is not allowed", () => {
  const offer = parseSdp(videoOffer([99, "profile-level-id=42e01f;packetization-mode=0"]));
  assert.equal(selectVideoCodec(offer, { allowH264Mode0: false }), { codec: null, reason: NO_COMMON_CODECS });
});

unit("picks audio by our preference and knows static payload types without rtpmap", () => {
  const phone = parseSdp(PHONE_OFFER);
  assert.is(selectAudioCodec(phone).codec!.encoding, "PCMA", "no Opus offered: PCMA before PCMU");
  assert.is(selectAudioCodec(phone, { audio: ["PCMU", "PCMA"] }).codec!.payloadType, 0);
  const selection = selectCodecs(phone);
  assert.is(selection.telephoneEvent!.payloadType, 101);
  assert.equal(selection.video, { codec: null, reason: NO_COMMON_CODECS }, "the video section has port 0");
  assert.is(selectCodecs(phone, { video: false }).video, undefined);
});

unit("refuses Opus in mono and G.711 at a wrong rate", () => {
  const offer = parseSdp("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000\r\na=rtpmap:97 PCMA/16000\r\n");
  assert.equal(selectAudioCodec(offer), { codec: null, reason: NO_COMMON_CODECS });
});

unit.run();

const withTshark = e2eSuite("sdp/codecs vs tshark", ["tshark"]);

withTshark("the Chrome WebRTC offer in the websocket capture gets Opus and no video", () => {
  const path = sharedFixture("sip_websocket_sipjs-opensips407-freeswitch_webrtc-sdp.pcap");
  if (!path) return;
  const [first] = sdpBodies(path);
  const offer = parseSdp(new TextDecoder().decode(first!.bytes));
  const selection = selectCodecs(offer);
  assert.equal(selection.video, { codec: null, reason: NO_COMMON_CODECS });
  const audio = selection.audio!.codec!;
  assert.is(audio.payloadType, 111);
  assert.is(selection.telephoneEvent!.clockRate, 48000);
  // Wireshark names the chosen payload types the same way.
  const [packet] = tsharkPdml(path, { filter: `frame.number == ${first!.frame}` });
  const sdp = findProto(packet!, "sdp")!;
  const rtpmaps = findFields(sdp, "sdp.media_attr").filter((a) => fieldShows(a, "sdp.media_attribute.field")[0] === "rtpmap");
  const nameOf = (pt: number) => {
    const rtpmap = rtpmaps.find((a) => fieldShows(a, "sdp.media.format")[0] === String(pt));
    if (!rtpmap) throw new Error(`tshark shows no rtpmap for ${pt}`);
    return rtpmap;
  };
  assert.equal([fieldShows(nameOf(audio.payloadType), "sdp.mime.type")[0], fieldShows(nameOf(audio.payloadType), "sdp.sample_rate")[0]], ["opus", "48000"]);
  const event = nameOf(selection.telephoneEvent!.payloadType);
  assert.equal([fieldShows(event, "sdp.mime.type")[0], fieldShows(event, "sdp.sample_rate")[0]], ["telephone-event", "48000"]);
});

withTshark.run();
