/** RTP packets written by hand from RFC 3550 5.1 and RFC 8285, with their decoded fields. */
import { hexBytes } from "../support/tshark.ts";

export interface RtpCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly value: Readonly<Record<string, unknown>>;
}

export const RTP_CASES: readonly RtpCase[] = [
  {
    name: "a plain PCMU packet",
    bytes: hexBytes(
      "80" + // V=2 P=0 X=0 CC=0
        "00" + // M=0 PT=0
        "1234" + // sequence number
        "00000a00" + // timestamp 2560
        "deadbeef" + // SSRC
        "d5d5d5d5", // payload
    ),
    value: { marker: false, payloadType: 0, sequenceNumber: 0x1234, timestamp: 2560, ssrc: 0xdeadbeef, padding: 0 },
  },
  {
    name: "a packet with the marker, two CSRCs and padding",
    bytes: hexBytes(
      "a2" + // V=2 P=1 CC=2
        "e0" + // M=1 PT=96
        "ffff" + // sequence number 65535
        "ffffffff" + // timestamp
        "00000001" + // SSRC
        "0000000200000003" + // CSRC list
        "0102" + // payload
        "000003", // 3 bytes of padding, count last
    ),
    value: { marker: true, payloadType: 96, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 1, padding: 3 },
  },
  {
    name: "a packet with a one-byte (0xBEDE) header extension",
    bytes: hexBytes(
      "90" + // V=2 X=1
        "7f" + // PT=127
        "0001" +
        "00000002" +
        "00000003" +
        "bede0002" + // profile 0xBEDE, 2 words
        "10aa" + // id 1, len 1: aa
        "00" + // padding byte between elements
        "21bbcc" + // id 2, len 2: bb cc
        "0000" + // padding to 32 bits
        "65", // payload
    ),
    value: { payloadType: 127, sequenceNumber: 1, timestamp: 2, ssrc: 3, padding: 0 },
  },
  {
    name: "a packet with a two-byte (0x100x) header extension",
    bytes: hexBytes(
      "90" +
        "60" +
        "0001" +
        "00000002" +
        "00000003" +
        "10000002" + // profile 0x1000, 2 words
        "10020102" + // id 16, len 2: 01 02
        "03000000" + // id 3, len 0; then padding
        "ff",
    ),
    value: { payloadType: 96, padding: 0 },
  },
];
