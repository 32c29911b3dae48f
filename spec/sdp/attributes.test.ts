import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { fmtpParameter, parseSdp, readCandidate, SDP_ERR, writeCandidate } from "../../src/sdp/index.ts";
import { readConnection, readFmtp } from "../../src/sdp/attributes.ts";

const test = suite("sdp/attributes");

test("reads and writes candidates of every type unchanged", () => {
  const candidates = [
    "1467250027 1 udp 2122260223 192.168.1.20 54400 typ host generation 0 network-id 1",
    "842163049 1 udp 1686052607 203.0.113.9 54400 typ srflx raddr 192.168.1.20 rport 54400",
    "2 1 UDP 16777215 198.51.100.3 61000 typ relay raddr 203.0.113.9 rport 54400",
    "1 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active",
    "3 1 udp 2122262783 2001:db8::7 50000 typ host",
    "4 1 udp 2113937151 0b6a1d0e-1a8b-4a3b-8ed1-6c1b2fc4bd77.local 51000 typ host generation 0",
    "a+b/c 2 udp 1 10.0.0.1 1 typ prflx",
  ];
  for (const text of candidates) assert.is(writeCandidate(readCandidate(text, 0)), text);
  assert.is(readCandidate("candidate:1 1 udp 1 10.0.0.1 5 typ host", 0).address, "10.0.0.1", "RTCIceCandidate form");
  assert.is(readCandidate(candidates[1], 0).relatedPort, 54400);
  try {
    readCandidate("1 1 udp 1 10.0.0.1 5 typ host rport x", 7);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ParseError);
    assert.is((err as ParseError).code, SDP_ERR.BAD_CANDIDATE);
    assert.is((err as ParseError).offset, 7);
  }
});

test("reads fmtp parameters by case-insensitive name, with spaces after semicolons", () => {
  const fmtp = readFmtp("111 useinbandfec=1; maxaveragebitrate=18000;Stereo=1", 0);
  assert.is(fmtpParameter(fmtp, "maxaveragebitrate"), "18000");
  assert.is(fmtpParameter(fmtp, "stereo"), "1");
  assert.is(fmtpParameter(fmtp, "usedtx"), undefined);
  assert.is(fmtpParameter(undefined, "x"), undefined);
  assert.equal(readFmtp("97 apt=96", 0).parameters, [{ name: "apt", value: "96" }]);
  assert.equal(readFmtp("96 sprop-parameter-sets=Z0LAH9kAUAW7ARAAAAMAEAAAAwPI8YMkgA==,aMuDyyA=", 0).parameters[0]!.value, "Z0LAH9kAUAW7ARAAAAMAEAAAAwPI8YMkgA==,aMuDyyA=");
});

test("reads unicast and multicast connection addresses", () => {
  const cases: [string, object | undefined][] = [
    ["IN IP4 10.0.0.1", { netType: "IN", addrType: "IP4", address: "10.0.0.1" }],
    ["IN IP4 224.2.36.42/127", { netType: "IN", addrType: "IP4", address: "224.2.36.42", ttl: 127 }],
    ["IN IP4 224.2.1.1/127/3", { netType: "IN", addrType: "IP4", address: "224.2.1.1", ttl: 127, count: 3 }],
    ["IN IP6 ff15::101/3", { netType: "IN", addrType: "IP6", address: "ff15::101", count: 3 }],
    ["IN IP4", undefined],
    ["IN IP4 1.2.3.4/x", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(readConnection(text), expected, text);
});

test("a=rtcp-fb with * applies to every payload type", () => {
  const sdp = parseSdp("v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nt=0 0\r\nm=video 5 RTP/AVPF 96\r\na=rtcp-fb:* nack\r\n");
  assert.equal(sdp.media[0]!.rtcpFbs, [{ format: "*", type: "nack" }]);
});

test.run();
