import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { buildSipOffer, parseSdp, readSipAnswer, SDP_ERR, serializeSdp, type H264Choice } from "../../src/sdp/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { fieldShows, findFields, findProto, tsharkPdml } from "../support/tshark.ts";
import { ethernet, ipv4, pcapFile, tempDir, text, udp } from "../pcap/support/build.ts";
import { sdpBodies } from "./support/sip-bodies.ts";

const base = { address: "192.0.2.50", audioPort: 31000, videoPort: 31002 };

function answer(...media: string[]): string {
  return ["v=0", "o=far 5 6 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0", ...media, ""].join("\r\n");
}

const unit = suite("sdp/offer");

unit("offers PCMA, PCMU and telephone-event 0-16, then H.264 mode 1 and mode 0", () => {
  const offer = buildSipOffer({ ...base, hasAudio: true, hasVideo: true, sessionId: "42" });
  const [audio, video] = offer.media;
  assert.is(offer.origin.sessionId, "42");
  assert.is(offer.connection!.address, "192.0.2.50");
  assert.equal(audio!.formats, ["8", "0", "101"]);
  assert.equal(audio!.rtpmaps.map((r) => `${r.payloadType} ${r.encoding}/${r.clockRate}`), ["8 PCMA/8000", "0 PCMU/8000", "101 telephone-event/8000"]);
  assert.is(audio!.fmtps[0]!.config, "0-16");
  assert.is(audio!.ptime, 20);
  assert.equal(video!.formats, ["96", "97"]);
  assert.equal(video!.fmtps.map((f) => f.config), ["profile-level-id=42e01f;packetization-mode=1", "profile-level-id=42e01f;packetization-mode=0"]);
  assert.ok(serializeSdp(offer).endsWith("a=sendrecv\r\n"));
  assert.ok(!serializeSdp(offer).includes("\n\n"));
});

unit("offers sendrecv for a medium we have and recvonly for one we do not", () => {
  const cases: [boolean, boolean, string, string][] = [
    [true, true, "sendrecv", "sendrecv"],
    [true, false, "sendrecv", "recvonly"],
    [false, true, "recvonly", "sendrecv"],
    [false, false, "recvonly", "recvonly"],
  ];
  for (const [hasAudio, hasVideo, a, v] of cases) {
    const offer = buildSipOffer({ ...base, hasAudio, hasVideo });
    assert.equal(offer.media.map((m) => m.direction), [a, v], `hasAudio=${hasAudio} hasVideo=${hasVideo}`);
  }
  assert.is(buildSipOffer({ address: "2001:db8::5", audioPort: 4000, hasAudio: true, hasVideo: false }).media.length, 1, "no video port: no video section");
  assert.is(buildSipOffer({ address: "2001:db8::5", audioPort: 4000, hasAudio: true, hasVideo: false }).connection!.addrType, "IP6");
});

unit("reads the chosen codecs, remote address, direction and ptime from an answer", () => {
  const offer = buildSipOffer({ ...base, hasAudio: true, hasVideo: true });
  const result = readSipAnswer(offer, parseSdp(answer(
    "m=audio 20000 RTP/AVP 0 101",
    "a=rtpmap:101 telephone-event/8000",
    "a=ptime:30",
    "a=sendonly",
    "m=video 20002 RTP/AVP 97",
    "c=IN IP4 198.51.100.2",
    "a=rtcp:20009",
    "a=rtpmap:97 H264/90000",
  )));
  assert.equal([result.audio!.address, result.audio!.port, result.audio!.rtcpPort], ["198.51.100.1", 20000, 20001]);
  assert.equal([result.audio!.codec!.encoding, result.audio!.codec!.payloadType], ["PCMU", 0]);
  assert.is(result.audio!.telephoneEvent!.payloadType, 101);
  assert.is(result.audio!.direction, "sendonly");
  assert.is(result.audio!.ptime, 30);
  const video = result.video!;
  assert.equal([video.address, video.port, video.rtcpPort, video.rejected], ["198.51.100.2", 20002, 20009, false]);
  assert.is((video.codec as H264Choice).packetizationMode, 0, "PT 97 is our mode 0 even when the answer leaves out the fmtp");
  assert.is(video.direction, "sendrecv");
});

unit("a video section answered with port 0 is refused and a foreign codec is no codec", () => {
  const offer = buildSipOffer({ ...base, hasAudio: true, hasVideo: true });
  const result = readSipAnswer(offer, parseSdp(answer("m=audio 20000 RTP/AVP 18", "a=rtpmap:18 G729/8000", "m=video 0 RTP/AVP 96")));
  assert.is(result.audio!.codec, null);
  assert.is(result.video!.rejected, true);
});

unit("an answer that does not line up with the offer is an ANSWER_MISMATCH", () => {
  const offer = buildSipOffer({ ...base, hasAudio: true, hasVideo: true });
  for (const bad of [answer("m=audio 20000 RTP/AVP 8"), answer("m=video 20000 RTP/AVP 96", "m=audio 20002 RTP/AVP 8")]) {
    try {
      readSipAnswer(offer, parseSdp(bad));
      assert.unreachable("accepted");
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, SDP_ERR.ANSWER_MISMATCH);
    }
  }
});

unit.run();

const withTshark = e2eSuite("sdp/offer vs tshark", ["tshark"]);

withTshark("Wireshark dissects our INVITE offer with the codecs, fmtp and directions we meant", () => {
  const offer = serializeSdp(buildSipOffer({ ...base, hasAudio: true, hasVideo: false }));
  const invite = [
    "INVITE sip:bob@198.51.100.1 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bK-1",
    "From: <sip:transpond@192.0.2.50>;tag=1",
    "To: <sip:bob@198.51.100.1>",
    "Call-ID: offer-test@192.0.2.50",
    "CSeq: 1 INVITE",
    "Contact: <sip:transpond@192.0.2.50:5060>",
    "Max-Forwards: 70",
    "Content-Type: application/sdp",
    `Content-Length: ${Buffer.byteLength(offer)}`,
    "",
    offer,
  ].join("\r\n");
  const frame = ethernet(ipv4(udp(5060, 5060, text(invite)), { src: "192.0.2.50", dst: "198.51.100.1" }));
  const tmp = tempDir();
  try {
    const path = tmp.write("invite.pcap", pcapFile(1, [{ time: 1, data: frame }]));
    assert.is(udpDatagrams(readCapture(pcapFile(1, [{ time: 1, data: frame }]))).length, 1);
    const [packet] = tsharkPdml(path);
    const sdp = findProto(packet!, "sdp");
    assert.ok(sdp, "tshark found the SDP");
    assert.equal(fieldShows(sdp!, "sdp.media.port"), ["31000", "31002"]);
    assert.equal(fieldShows(sdp!, "sdp.mime.type"), ["PCMA", "PCMU", "telephone-event", "H264", "H264"]);
    const attributes = fieldShows(sdp!, "sdp.media_attr");
    assert.ok(attributes.includes("sendrecv") && attributes.includes("recvonly"));
    assert.ok(attributes.includes("fmtp:96 profile-level-id=42e01f;packetization-mode=1"));
    const modes = findFields(sdp!, "sdp.fmtp.h264_packetization_mode").map((f) => f.show);
    assert.equal(modes, ["1", "0"]);
  } finally {
    tmp.cleanup();
  }
});

withTshark("reads real answers against their offers as tshark shows them", () => {
  const pairs: [string, number, number][] = [
    ["sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap", 1, 4],
    ["sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap", 434, 437],
    ["sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap", 20, 22],
    ["sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", 4, 13],
    ["sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap", 6, 10],
    ["sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap", 3, 9],
  ];
  const decoder = new TextDecoder();
  for (const [name, offerFrame, answerFrame] of pairs) {
    const path = sharedFixture(name);
    if (!path) continue;
    const bodies = sdpBodies(path);
    const body = (frame: number) => parseSdp(decoder.decode(bodies.find((b) => b.frame === frame)!.bytes));
    const result = readSipAnswer(body(offerFrame), body(answerFrame));
    const [packet] = tsharkPdml(path, { filter: `frame.number == ${answerFrame}` });
    const sdp = findProto(packet!, "sdp")!;
    const where = `${name} ${offerFrame}/${answerFrame}`;
    assert.is(result.audio!.address, fieldShows(sdp, "sdp.connection_info.address").at(-1), where);
    assert.equal(result.media.map((m) => String(m.port)), fieldShows(sdp, "sdp.media.port"), where);
    const firstFormat = Buffer.from(findFields(sdp, "sdp.media.format")[0]!.value, "hex").toString();
    assert.is(String(result.audio!.codec!.payloadType), firstFormat, where);
    const rtpmap = findFields(sdp, "sdp.media_attr").find((a) => fieldShows(a, "sdp.media_attribute.field")[0] === "rtpmap" && fieldShows(a, "sdp.media.format")[0] === firstFormat);
    if (rtpmap) assert.is(result.audio!.codec!.encoding, fieldShows(rtpmap, "sdp.mime.type")[0], where);
    if (result.video) assert.is(result.video.rejected, true, `${where}: video refused`);
  }
});

withTshark.run();
