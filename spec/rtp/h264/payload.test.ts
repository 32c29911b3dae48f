import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { decodeRtp } from "../../../src/rtp/packet.ts";
import { H264Depacketizer } from "../../../src/rtp/h264/depacketizer.ts";
import { decodeH264Payload } from "../../../src/rtp/h264/payload.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { hexBytes } from "../../support/tshark.ts";
import { STR0M, capturePath, datagrams } from "../captures.ts";
import { expectErrorCode } from "../../support/errors.ts";

const test = suite("rtp/h264/payload");

const BAD: readonly [string, string, string][] = [
  ["an empty payload", "", "ERR_RTP_H264_MALFORMED"],
  ["a STAP-A with no NAL unit", "78", "ERR_RTP_H264_MALFORMED"],
  ["a STAP-A with a cut size field", "78000167" + "00", "ERR_RTP_H264_MALFORMED"],
  ["a STAP-A NAL of size 0", "780000", "ERR_RTP_H264_MALFORMED"],
  ["a STAP-A size past the payload", "7800056768", "ERR_RTP_H264_MALFORMED"],
  ["an FU-A with no fragment", "7c85", "ERR_RTP_H264_MALFORMED"],
  ["an FU-A with start and end bits", "7cc5aa", "ERR_RTP_H264_MALFORMED"],
  ["an FU-A of a STAP-A", "7c98aa", "ERR_RTP_H264_MALFORMED"],
  ["a STAP-B", "79000100", "ERR_RTP_H264_UNSUPPORTED"],
  ["an FU-B", "7d850001aa", "ERR_RTP_H264_UNSUPPORTED"],
  ["NAL type 0", "00aa", "ERR_RTP_H264_UNSUPPORTED"],
];
for (const [name, bytes, code] of BAD) {
  test(`rejects ${name} with ${code}`, () => {
    expectErrorCode(() => decodeH264Payload(hexBytes(bytes)), code, ParseError);
  });
}

test("fuzzed STAP-A and FU-A payloads from the str0m capture throw only ParseError, and the depacketizer never throws", () => {
  const path = capturePath(STR0M);
  if (!path) return;
  const seeds = datagrams(path).map((d) => decodeRtp(d.payload).payload).filter((p) => [24, 28].includes(p[0]! & 0x1f)).slice(0, 30);
  const dep = new H264Depacketizer({ requireKeyframe: false });
  let seq = 0;
  let ts = 0;
  const report = runFuzz("rtp-h264-payload", {
    seed: 0x264,
    count: 3000,
    inputs: seeds,
    check: (bytes) => {
      for (const o of dep.push({ marker: seq % 3 === 2, payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: (ts += seq % 3 === 0 ? 3000 : 0), ssrc: 1, csrcs: [], extensions: [], payload: bytes, padding: 0 })) {
        if (o.type === "frame") assert.ok(o.frame.data.every((n) => n.length > 0));
      }
      decodeH264Payload(bytes);
    },
  });
  assert.ok(report.accepted > 100 && report.codes.size >= 1, `accepted ${report.accepted}`);
});

test.run();
