/**
 * TCP (RFC 9293) segments and stream reassembly.
 *
 * Header: source port 16 | destination port 16 | sequence 32 | acknowledgment 32 | data offset 4 |
 * reserved 3 | flags 9 (NS CWR ECE URG ACK PSH RST SYN FIN) | window 16 | checksum 16 | urgent 16 |
 * options (data offset * 4 - 20).
 *
 * `tcpStreams` groups segments by connection (the 4-tuple; a new SYN after the old connection closed
 * starts a new one) and rebuilds each direction by sequence number: retransmissions and overlaps
 * keep the first copy of a byte, out-of-order segments are put in place, SYN and FIN take one
 * sequence number each. Bytes missing from the capture are reported as gaps and skipped, so the
 * stream continues after them. Offsets are 32-bit relative sequence numbers: one direction of a
 * connection can hold up to 2 GiB.
 */
import type { CapturedPacket } from "./capture-file.ts";
import { IP_PROTOCOL, ipDatagrams, type IpDatagram } from "./ip.ts";

export interface TcpFlags {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
}

export interface TcpSegment {
  readonly frame: number;
  readonly time: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  readonly payload: Uint8Array;
}

export interface TcpEndpoint {
  readonly address: string;
  readonly port: number;
}

export type TcpDirection = "clientToServer" | "serverToClient";

/** Which bytes of one direction a captured segment delivered first. */
export interface TcpStreamSegment {
  readonly frame: number;
  readonly time: number;
  readonly direction: TcpDirection;
  /** offset into that direction's reassembled bytes */
  readonly offset: number;
  readonly length: number;
}

/** Bytes the capture never saw; the stream goes on after them. */
export interface TcpGap {
  readonly direction: TcpDirection;
  /** offset into that direction's reassembled bytes where the missing bytes belong */
  readonly offset: number;
  readonly length: number;
}

export interface TcpStream {
  /** the SYN sender; without a SYN in the capture, the SYN-ACK receiver or else the first sender */
  readonly client: TcpEndpoint;
  readonly server: TcpEndpoint;
  readonly clientToServer: Uint8Array;
  readonly serverToClient: Uint8Array;
  /** in capture order */
  readonly segments: readonly TcpStreamSegment[];
  readonly gaps: readonly TcpGap[];
  /** a SYN from the client was captured */
  readonly syn: boolean;
  readonly fin: { readonly client: boolean; readonly server: boolean };
  readonly reset: boolean;
  readonly firstFrame: number;
  readonly startTime: number;
  readonly endTime: number;
}

/** Decodes the TCP header of one IP datagram; undefined when it is not TCP or is cut short. */
export function decodeTcp(ip: IpDatagram): TcpSegment | undefined {
  const data = ip.payload;
  if (ip.protocol !== IP_PROTOCOL.TCP || data.length < 20) return undefined;
  const headerLength = (data[12]! >> 4) * 4;
  if (headerLength < 20 || headerLength > data.length) return undefined;
  const flags = data[13]!;
  return {
    frame: ip.frame,
    time: ip.time,
    src: ip.src,
    srcPort: (data[0]! << 8) | data[1]!,
    dst: ip.dst,
    dstPort: (data[2]! << 8) | data[3]!,
    seq: u32(data, 4),
    ack: u32(data, 8),
    flags: {
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      psh: (flags & 0x08) !== 0,
      ack: (flags & 0x10) !== 0,
    },
    payload: data.subarray(headerLength),
  };
}

/** Every TCP segment in the packets, in capture order. */
export function tcpSegments(packets: readonly CapturedPacket[]): TcpSegment[] {
  const out: TcpSegment[] = [];
  for (const ip of ipDatagrams(packets)) {
    const tcp = decodeTcp(ip);
    if (tcp) out.push(tcp);
  }
  return out;
}

interface Connection {
  readonly a: string; // endpoint key of the first sender
  readonly segments: TcpSegment[];
  closedA: boolean;
  closedB: boolean;
  reset: boolean;
  synSeq: number | undefined;
}

/** Every TCP connection in the packets, both directions reassembled, ordered by first frame. */
export function tcpStreams(packets: readonly CapturedPacket[]): TcpStream[] {
  const connections: Connection[] = [];
  const open = new Map<string, Connection>();
  for (const segment of tcpSegments(packets)) {
    const from = endpointKey(segment.src, segment.srcPort);
    const to = endpointKey(segment.dst, segment.dstPort);
    const key = from < to ? `${from}|${to}` : `${to}|${from}`;
    let connection = open.get(key);
    const isNewSyn = segment.flags.syn && !segment.flags.ack;
    // A SYN after the connection closed, or with another initial sequence number, reuses the ports.
    if (connection && isNewSyn && (connection.reset || (connection.closedA && connection.closedB) || (connection.synSeq !== undefined && connection.synSeq !== segment.seq))) {
      connection = undefined;
    }
    if (!connection) {
      connection = { a: from, segments: [], closedA: false, closedB: false, reset: false, synSeq: undefined };
      open.set(key, connection);
      connections.push(connection);
    }
    connection.segments.push(segment);
    if (isNewSyn) connection.synSeq ??= segment.seq;
    if (segment.flags.rst) connection.reset = true;
    if (segment.flags.fin) {
      if (from === connection.a) connection.closedA = true;
      else connection.closedB = true;
    }
  }
  return connections.map(buildStream);
}

function buildStream(connection: Connection): TcpStream {
  const segments = connection.segments;
  const first = segments[0]!;
  const synSender = segments.find((s) => s.flags.syn && !s.flags.ack);
  const synAckSender = segments.find((s) => s.flags.syn && s.flags.ack);
  let client: TcpEndpoint;
  if (synSender) client = { address: synSender.src, port: synSender.srcPort };
  else if (synAckSender) client = { address: synAckSender.dst, port: synAckSender.dstPort };
  else client = { address: first.src, port: first.srcPort };
  const clientKey = endpointKey(client.address, client.port);
  const server = clientKey === endpointKey(first.src, first.srcPort)
    ? { address: first.dst, port: first.dstPort }
    : { address: first.src, port: first.srcPort };

  const fromClient = (s: TcpSegment) => endpointKey(s.src, s.srcPort) === clientKey;
  const up = reassemble(segments.filter(fromClient), "clientToServer");
  const down = reassemble(segments.filter((s) => !fromClient(s)), "serverToClient");
  const streamSegments = [...up.segments, ...down.segments].sort((x, y) => x.frame - y.frame || x.offset - y.offset);
  const last = segments[segments.length - 1]!;
  return {
    client,
    server,
    clientToServer: up.bytes,
    serverToClient: down.bytes,
    segments: streamSegments,
    gaps: [...up.gaps, ...down.gaps],
    syn: synSender !== undefined,
    fin: { client: segments.some((s) => s.flags.fin && fromClient(s)), server: segments.some((s) => s.flags.fin && !fromClient(s)) },
    reset: connection.reset,
    firstFrame: first.frame,
    startTime: first.time,
    endTime: last.time,
  };
}

interface Piece {
  readonly rel: number; // sequence number relative to the first data byte (signed)
  readonly data: Uint8Array;
  readonly frame: number;
  readonly time: number;
}

function reassemble(segments: readonly TcpSegment[], direction: TcpDirection) {
  const syn = segments.find((s) => s.flags.syn);
  const dataSegments = segments.filter((s) => s.payload.length > 0);
  // The first data byte follows the SYN; without a SYN, it is the lowest sequence number seen.
  let base: number | undefined = syn ? (syn.seq + 1) >>> 0 : undefined;
  if (base === undefined && dataSegments.length > 0) {
    const anchor = dataSegments[0]!.seq;
    let lowest = 0;
    for (const s of dataSegments) lowest = Math.min(lowest, (s.seq - anchor) | 0);
    base = (anchor + lowest) >>> 0;
  }
  const pieces: Piece[] = dataSegments.map((s) => {
    const dataSeq = s.flags.syn ? (s.seq + 1) >>> 0 : s.seq; // data on a SYN (TCP Fast Open)
    return { rel: (dataSeq - (base ?? 0)) | 0, data: s.payload, frame: s.frame, time: s.time };
  });
  const placed = placeInArrivalOrder(pieces);

  const out: TcpStreamSegment[] = [];
  const gaps: TcpGap[] = [];
  let next = 0; // relative sequence number of the next byte wanted
  let length = 0; // bytes produced so far
  for (const range of placed) {
    if (range.end <= 0) continue; // bytes before the first data byte (before the SYN)
    const start = Math.max(range.start, 0);
    if (start > next) gaps.push({ direction, offset: length, length: start - next });
    out.push({ frame: range.piece.frame, time: range.piece.time, direction, offset: length, length: range.end - start });
    length += range.end - start;
    next = range.end;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const range of placed) {
    if (range.end <= 0) continue;
    const start = Math.max(range.start, 0);
    bytes.set(range.piece.data.subarray(start - range.piece.rel, range.end - range.piece.rel), at);
    at += range.end - start;
  }
  return { bytes, segments: out, gaps };
}

interface Range {
  readonly start: number;
  readonly end: number;
  readonly piece: Piece;
}

/**
 * Places each piece's bytes that no earlier-arriving piece already supplied, so the first captured
 * copy of every byte wins. Returns disjoint ranges sorted by sequence number.
 */
function placeInArrivalOrder(pieces: readonly Piece[]): Range[] {
  const ranges: Range[] = [];
  for (const piece of pieces) {
    const end = piece.rel + piece.data.length;
    // First range that ends after the piece starts (ranges are sorted and disjoint).
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.end <= piece.rel) lo = mid + 1;
      else hi = mid;
    }
    const fresh: Range[] = [];
    let cursor = piece.rel;
    let i = lo;
    for (; i < ranges.length && ranges[i]!.start < end; i++) {
      const r = ranges[i]!;
      if (r.start > cursor) fresh.push({ start: cursor, end: r.start, piece });
      cursor = Math.max(cursor, r.end);
    }
    if (cursor < end) fresh.push({ start: cursor, end, piece });
    if (fresh.length === 0) continue; // a retransmission of bytes already placed
    // Merge the fresh ranges into their place among the existing ones between lo and i.
    const merged: Range[] = [];
    let f = 0;
    for (let k = lo; k < i; k++) {
      while (f < fresh.length && fresh[f]!.start < ranges[k]!.start) merged.push(fresh[f++]!);
      merged.push(ranges[k]!);
    }
    while (f < fresh.length) merged.push(fresh[f++]!);
    ranges.splice(lo, i - lo, ...merged);
  }
  return ranges;
}

function endpointKey(address: string, port: number): string {
  return `${address}#${port}`;
}

function u32(data: Uint8Array, offset: number): number {
  return ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0;
}
