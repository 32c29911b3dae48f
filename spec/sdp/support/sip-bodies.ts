/**
 * SDP bodies out of SIP captures, through our own capture reader: SIP over UDP, SIP over TCP, and
 * SIP over WebSocket (RFC 7118) on TCP. Each body carries the frame where its message ended, which
 * is where Wireshark shows the SDP.
 */
import { readFileSync } from "node:fs";
import { readCapture, tcpStreams, udpDatagrams, type TcpDirection, type TcpStream } from "../../../src/pcap/index.ts";

export interface CapturedSdp {
  readonly frame: number;
  readonly bytes: Uint8Array;
}

const decoder = new TextDecoder("latin1");
const START_LINE = /^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3} )/;

interface SipMessage {
  /** bytes the message used, headers and body */
  readonly length: number;
  readonly sdp: Uint8Array | undefined;
}

/** One SIP message at the start of `data`; undefined when it is not complete. */
function sipMessage(data: Uint8Array, lengthRequired: boolean): SipMessage | undefined {
  const head = decoder.decode(data.subarray(0, Math.min(data.length, 16384)));
  const end = head.indexOf("\r\n\r\n");
  if (end < 0 || !START_LINE.test(head)) return undefined;
  const headers = head.slice(0, end).split("\r\n").slice(1);
  const header = (long: string, short: string) => {
    const line = headers.find((h) => new RegExp(`^(?:${long}|${short})\\s*:`, "i").test(h));
    return line?.slice(line.indexOf(":") + 1).trim();
  };
  const bodyStart = end + 4;
  const declared = header("Content-Length", "l");
  if (declared === undefined && lengthRequired) return undefined;
  const bodyLength = declared === undefined ? data.length - bodyStart : Number(declared);
  if (bodyStart + bodyLength > data.length) return undefined;
  const type = header("Content-Type", "c") ?? "";
  const body = data.subarray(bodyStart, bodyStart + bodyLength);
  return { length: bodyStart + bodyLength, sdp: /application\/sdp/i.test(type) && bodyLength > 0 ? body : undefined };
}

function frameAt(stream: TcpStream, direction: TcpDirection, offset: number): number {
  const segment = stream.segments.find((s) => s.direction === direction && s.offset <= offset && offset < s.offset + s.length);
  return segment?.frame ?? 0;
}

/** WebSocket frames (RFC 6455 5.2) after the HTTP upgrade, unmasked, with their end offsets. */
function webSocketPayloads(data: Uint8Array): { payload: Uint8Array; end: number }[] {
  const text = decoder.decode(data.subarray(0, 4096));
  const upgradeEnd = text.indexOf("\r\n\r\n");
  if (upgradeEnd < 0) return [];
  const out: { payload: Uint8Array; end: number }[] = [];
  let at = upgradeEnd + 4;
  while (at + 2 <= data.length) {
    const masked = (data[at + 1]! & 0x80) !== 0;
    let length = data[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = (data[at + 2]! << 8) | data[at + 3]!;
      header = 4;
    } else if (length === 127) {
      length = Number(Buffer.from(data.subarray(at + 2, at + 10)).readBigUInt64BE());
      header = 10;
    }
    const maskAt = at + header;
    const start = maskAt + (masked ? 4 : 0);
    if (start + length > data.length) break;
    const payload = data.slice(start, start + length);
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= data[maskAt + (i % 4)]!;
    out.push({ payload, end: start + length });
    at = start + length;
  }
  return out;
}

function fromTcp(stream: TcpStream): CapturedSdp[] {
  const out: CapturedSdp[] = [];
  for (const direction of ["clientToServer", "serverToClient"] as const) {
    const data = stream[direction];
    if (decoder.decode(data.subarray(0, 4)) === "GET " || decoder.decode(data.subarray(0, 9)) === "HTTP/1.1 ") {
      for (const frame of webSocketPayloads(data)) {
        const message = sipMessage(frame.payload, false);
        if (message?.sdp) out.push({ frame: frameAt(stream, direction, frame.end - 1), bytes: message.sdp });
      }
      continue;
    }
    let at = 0;
    while (at < data.length) {
      while (at < data.length && (data[at] === 0x0d || data[at] === 0x0a)) at++; // keep-alive CRLFs
      const message = sipMessage(data.subarray(at), true);
      if (!message) break;
      if (message.sdp) out.push({ frame: frameAt(stream, direction, at + message.length - 1), bytes: message.sdp });
      at += message.length;
    }
  }
  return out;
}

/** Every SDP body in a SIP capture, ordered by frame. */
export function sdpBodies(path: string): CapturedSdp[] {
  const packets = readCapture(readFileSync(path));
  const out: CapturedSdp[] = [];
  for (const datagram of udpDatagrams(packets)) {
    const message = sipMessage(datagram.payload, false);
    if (message?.sdp) out.push({ frame: datagram.frame, bytes: message.sdp });
  }
  for (const stream of tcpStreams(packets)) out.push(...fromTcp(stream));
  return out.sort((a, b) => a.frame - b.frame);
}
