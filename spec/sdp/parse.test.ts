import { existsSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { parseSdp, SDP_ERR, serializeSdp } from "../../src/sdp/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { runFuzz } from "../support/fuzz.ts";
import { findFields, findProto, tsharkPdml, type PdmlField } from "../support/tshark.ts";
import { BROWSER_OFFER, PHONE_OFFER } from "./support/samples.ts";
import { sdpBodies } from "./support/sip-bodies.ts";

const unit = suite("sdp/parse");

unit("reads the session lines of a browser offer", () => {
  const sdp = parseSdp(BROWSER_OFFER);
  assert.is(sdp.version, 0);
  assert.equal(sdp.origin, { username: "-", sessionId: "4611731400430051336", sessionVersion: "2", netType: "IN", addrType: "IP4", address: "127.0.0.1" });
  assert.is(sdp.sessionName, "-");
  assert.equal(sdp.groups, [{ semantics: "BUNDLE", mids: ["0", "1"] }]);
  assert.is(sdp.direction, undefined);
  assert.is(sdp.media.length, 2);
});

unit("reads the typed attributes of an audio section", () => {
  const audio = parseSdp(BROWSER_OFFER).media[0]!;
  assert.is(audio.media, "audio");
  assert.is(audio.port, 9);
  assert.is(audio.proto, "UDP/TLS/RTP/SAVPF");
  assert.equal(audio.formats, ["111", "63", "9", "0", "8", "110", "126"]);
  assert.equal(audio.connection, { netType: "IN", addrType: "IP4", address: "0.0.0.0" });
  assert.equal(audio.rtcp, { port: 9, connection: { netType: "IN", addrType: "IP4", address: "0.0.0.0" } });
  assert.equal(audio.rtpmaps[0], { payloadType: 111, encoding: "opus", clockRate: 48000, channels: 2 });
  assert.equal(audio.rtpmaps[3], { payloadType: 0, encoding: "PCMU", clockRate: 8000 });
  assert.equal(audio.fmtps[0], { format: "111", config: "minptime=10;useinbandfec=1", parameters: [{ name: "minptime", value: "10" }, { name: "useinbandfec", value: "1" }] });
  assert.equal(audio.rtcpFbs, [{ format: "111", type: "transport-cc" }]);
  assert.equal(audio.extmaps[1], { id: 3, direction: "sendonly", uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time" });
  assert.is(audio.ptime, 20);
  assert.is(audio.maxptime, 120);
  assert.is(audio.direction, "sendonly");
  assert.is(audio.mid, "0");
  assert.equal(audio.msid, { stream: "stream1", track: "track-a" });
  assert.equal(audio.ssrcs, [{ ssrc: 1111, attribute: "cname", value: "abc" }, { ssrc: 1111, attribute: "msid", value: "stream1 track-a" }]);
  assert.is(audio.iceUfrag, "Ab1x");
  assert.is(audio.icePwd, "y0uRpAsSwOrDiSlOnGeNoUgH");
  assert.equal(audio.iceOptions, ["trickle"]);
  assert.is(audio.fingerprints[0]!.algorithm, "sha-256");
  assert.is(audio.setup, "actpass");
  assert.is(audio.rtcpMux, true);
  assert.is(audio.endOfCandidates, true);
  assert.equal(audio.candidates[1], {
    foundation: "842163049", component: 1, transport: "udp", priority: 1686052607, address: "203.0.113.9", port: 54400, type: "srflx",
    relatedAddress: "192.168.1.20", relatedPort: 54400, extensions: [{ name: "generation", value: "0" }],
  });
  assert.equal(audio.candidates[2]!.extensions, [{ name: "tcptype", value: "active" }]);
});

unit("reads the video section, its bandwidth and ssrc group", () => {
  const video = parseSdp(BROWSER_OFFER).media[1]!;
  assert.equal(video.bandwidths, [{ type: "AS", value: 2500 }]);
  assert.equal(video.ssrcGroups, [{ semantics: "FID", ssrcs: [2222, 3333] }]);
  assert.is(video.rtpmaps.filter((r) => r.encoding === "H264").length, 6);
  assert.is(video.endOfCandidates, false);
  assert.is(video.candidates.length, 0);
});

unit("reads a phone offer: static payload types, session connection, a refused section", () => {
  const sdp = parseSdp(PHONE_OFFER);
  assert.is(sdp.connection!.address, "198.51.100.10");
  assert.is(sdp.media[0]!.direction, "sendrecv");
  assert.equal(sdp.media[0]!.fmtps[0]!.parameters, [{ name: "0-15", value: undefined }]);
  assert.is(sdp.media[0]!.ptime, 30);
  assert.is(sdp.media[1]!.port, 0);
});

unit("media sections show the session's ICE and DTLS attributes unless they have their own", () => {
  const sdp = parseSdp([
    "v=0", "o=- 1 1 IN IP4 10.0.0.1", "s=-", "t=0 0", "a=ice-ufrag:sess", "a=ice-pwd:sessionpasswordsessionpw",
    "a=fingerprint:sha-256 AA:BB", "a=setup:actpass",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 opus/48000/2",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=ice-ufrag:own", "a=setup:passive", "a=fingerprint:sha-1 CC:DD", "",
  ].join("\r\n"));
  const [audio, video] = sdp.media;
  assert.equal([audio!.iceUfrag, audio!.icePwd, audio!.setup, audio!.fingerprints[0]!.value], ["sess", "sessionpasswordsessionpw", "actpass", "AA:BB"]);
  assert.equal([video!.iceUfrag, video!.icePwd, video!.setup, video!.fingerprints[0]!.algorithm], ["own", "sessionpasswordsessionpw", "passive", "sha-1"]);
});

unit("applies a session-level direction to sections without their own", () => {
  const sdp = parseSdp("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\na=recvonly\r\nm=audio 5000 RTP/AVP 0\r\nm=audio 5002 RTP/AVP 8\r\na=inactive\r\n");
  assert.is(sdp.direction, "recvonly");
  assert.equal(sdp.media.map((m) => m.direction), ["recvonly", "inactive"]);
});

unit("gives back the same text: unknown lines in order, LF or CRLF endings, blank lines", () => {
  const cases = [
    BROWSER_OFFER,
    PHONE_OFFER,
    PHONE_OFFER.replace(/\r\n/g, "\n"),
    "v=0\no=- 1 1 IN IP4 10.0.0.1\r\ns=x\r\nz=0 0\r\nk=prompt\r\nm=audio 1 RTP/AVP 0\r\na=foo\r\n\r\n",
    "v=0\r\no=- 1 1 IN IP6 ::1\r\ns= \r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000",
  ];
  for (const text of cases) assert.is(serializeSdp(parseSdp(text)), text);
  const kept = parseSdp(BROWSER_OFFER).media[0]!.attributes.find((a) => a.name === "x-vendor-thing");
  assert.equal(kept, { name: "x-vendor-thing", value: "kept as is" });
});

const HEAD = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n";
const bad: readonly [string, string, string][] = [
  ["empty text", "", SDP_ERR.EMPTY],
  ["only blank lines", "\r\n\r\n", SDP_ERR.EMPTY],
  ["a line without '='", `${HEAD}hello\r\n`, SDP_ERR.LINE_SYNTAX],
  ["a two-letter type", `${HEAD}ab=1\r\n`, SDP_ERR.LINE_SYNTAX],
  ["version 1", "v=1\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n", SDP_ERR.BAD_VERSION],
  ["no v= first", "o=- 1 1 IN IP4 10.0.0.1\r\nv=0\r\ns=-\r\n", SDP_ERR.BAD_VERSION],
  ["no o= line", "v=0\r\ns=-\r\nt=0 0\r\n", SDP_ERR.MISSING_LINE],
  ["o= only in a media section", "v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 10.0.0.1\r\n", SDP_ERR.MISSING_LINE],
  ["no s= line", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nt=0 0\r\n", SDP_ERR.MISSING_LINE],
  ["o= with 5 fields", "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", SDP_ERR.BAD_ORIGIN],
  ["c= with 2 fields", `${HEAD}c=IN IP4\r\n`, SDP_ERR.BAD_CONNECTION],
  ["c= with a bad ttl", `${HEAD}c=IN IP4 224.2.1.1/abc\r\n`, SDP_ERR.BAD_CONNECTION],
  ["m= without proto", `${HEAD}m=audio 5000\r\n`, SDP_ERR.BAD_MEDIA],
  ["m= with port 70000", `${HEAD}m=audio 70000 RTP/AVP 0\r\n`, SDP_ERR.BAD_MEDIA],
  ["m= with a text port", `${HEAD}m=audio five RTP/AVP 0\r\n`, SDP_ERR.BAD_MEDIA],
  ["rtpmap without clock rate", `${HEAD}m=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["rtpmap payload type 200", `${HEAD}m=audio 1 RTP/AVP 96\r\na=rtpmap:200 opus/48000\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["fmtp without value", `${HEAD}m=audio 1 RTP/AVP 96\r\na=fmtp:\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["ptime not a number", `${HEAD}m=audio 1 RTP/AVP 0\r\na=ptime:twenty\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["rtcp port not a number", `${HEAD}m=audio 1 RTP/AVP 0\r\na=rtcp:x\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["rtcp-fb without type", `${HEAD}m=video 1 RTP/AVP 96\r\na=rtcp-fb:96\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["extmap with a bad direction", `${HEAD}m=audio 1 RTP/AVP 0\r\na=extmap:1/sideways urn:x\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["ssrc without attribute", `${HEAD}m=audio 1 RTP/AVP 0\r\na=ssrc:1234\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["setup with an unknown role", `${HEAD}m=audio 1 RTP/AVP 0\r\na=setup:both\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["fingerprint without hash", `${HEAD}a=fingerprint:sha-256\r\n`, SDP_ERR.BAD_ATTRIBUTE],
  ["candidate without typ", `${HEAD}m=audio 1 RTP/AVP 0\r\na=candidate:1 1 udp 100 10.0.0.1 5000 host\r\n`, SDP_ERR.BAD_CANDIDATE],
  ["candidate with port 99999", `${HEAD}m=audio 1 RTP/AVP 0\r\na=candidate:1 1 udp 100 10.0.0.1 99999 typ host\r\n`, SDP_ERR.BAD_CANDIDATE],
  ["candidate with a dangling extension", `${HEAD}m=audio 1 RTP/AVP 0\r\na=candidate:1 1 udp 100 10.0.0.1 5000 typ host generation\r\n`, SDP_ERR.BAD_CANDIDATE],
  ["text over the size limit", `${HEAD}${"a=x\r\n".repeat(60000)}`, SDP_ERR.TOO_LARGE],
  ["too many lines", `${HEAD}${"a=x\r\n".repeat(5000)}`, SDP_ERR.TOO_LARGE],
];

unit("rejects malformed SDP with ParseError codes", () => {
  for (const [name, text, code] of bad) {
    try {
      parseSdp(text);
      assert.unreachable(`${name} was accepted`);
    } catch (err) {
      assert.instance(err, ParseError, name);
      assert.is((err as ParseError).code, code, name);
    }
  }
});

unit("fuzzed SDP gives ParseError only and what parses serializes back", () => {
  const latin1 = new TextDecoder("latin1");
  const report = runFuzz("sdp-parse", {
    seed: 0x5d9,
    count: 3000,
    inputs: [BROWSER_OFFER, PHONE_OFFER].map((t) => new TextEncoder().encode(t)),
    check: (input) => {
      const text = latin1.decode(input);
      assert.is(serializeSdp(parseSdp(text)).replace(/^(\s*[\r\n])+/, ""), text.replace(/^(\s*[\r\n])+/, ""));
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 2);
});

unit.run();

const withTshark = e2eSuite("sdp/parse vs tshark", ["tshark"]);

const SIP_CAPTURES = [
  "sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap",
  "sip_linphone-asterisk11_register401_invite401_pcma_vp8-offer.pcap",
  "sip_nero-sipps_register401_invite407_opaque_wiki-aaa.pcap",
  "sip_rtp_magicjack_invite401_183-early-media_pcmu.pcap",
  "sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap",
  "sip_rtp_sipp-freeswitch1.6_opus48k.pcap",
  "sip_rtp_sipp-freeswitch1.6_pcmu-then-pcma.pcap",
  "sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap",
  "sip_websocket_sipjs-opensips407-freeswitch_webrtc-sdp.pcap",
];

const hexText = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
const utf8 = new TextDecoder();

withTshark("every SDP body of the SIP captures re-serializes byte for byte and matches tshark's sdp fields", () => {
  let bodies = 0;
  for (const name of SIP_CAPTURES) {
    const path = sharedFixture(name);
    if (!path || !existsSync(path)) continue;
    const ours = sdpBodies(path);
    const theirs = tsharkPdml(path, { filter: "sdp" });
    assert.equal(ours.map((b) => b.frame), theirs.map((p) => p.num), `${name}: frames with SDP`);
    for (const [i, body] of ours.entries()) {
      const where = `${name} frame ${body.frame}`;
      const text = utf8.decode(body.bytes);
      const sdp = parseSdp(text);
      assert.ok(Buffer.from(serializeSdp(sdp), "utf8").equals(Buffer.from(body.bytes)), `${where}: byte-identical`);
      const proto = findProto(theirs[i]!, "sdp")!;
      const show = (n: string) => findFields(proto, n).map((f) => f.show);
      assert.equal([sdp.origin.username, sdp.origin.sessionId], [show("sdp.owner.username")[0], show("sdp.owner.sessionid")[0]], `${where}: o=`);
      const connections = [sdp.connection, ...sdp.media.map((m) => m.connection)].filter((c) => c !== undefined).map((c) => c.address);
      assert.equal(connections, show("sdp.connection_info.address"), `${where}: c= addresses`);
      const mediaFields = findFields(proto, "sdp.media").filter((f) => f.fields.length > 0);
      assert.equal(
        sdp.media.map((m) => [m.media, String(m.port), m.proto, m.formats]),
        mediaFields.map((f: PdmlField) => [
          findFields(f, "sdp.media.media")[0]?.show,
          findFields(f, "sdp.media.port")[0]?.show,
          findFields(f, "sdp.media.proto")[0]?.show,
          findFields(f, "sdp.media.format").map((x) => hexText(x.value)),
        ]),
        `${where}: m= lines`,
      );
      const rtpmaps = findFields(proto, "sdp.media_attr").filter((a) => findFields(a, "sdp.media_attribute.field")[0]?.show === "rtpmap");
      assert.equal(
        sdp.media.flatMap((m) => m.rtpmaps.map((r) => [String(r.payloadType), r.encoding, String(r.clockRate)])),
        rtpmaps.map((a) => [findFields(a, "sdp.media.format")[0]?.show, findFields(a, "sdp.mime.type")[0]?.show, findFields(a, "sdp.sample_rate")[0]?.show]),
        `${where}: rtpmaps`,
      );
      bodies++;
    }
  }
  if (existsSync(sharedFixture(SIP_CAPTURES[0]!) ?? "")) assert.ok(bodies >= 60, `${bodies} bodies`);
});

withTshark.run();
