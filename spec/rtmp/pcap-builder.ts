/**
 * Builds a small classic pcap (Ethernet / IPv4 / TCP) of one TCP connection on 127.0.0.1 from
 * payloads in order, so tests can hand synthetic RTMP sessions to traceCapture and to tshark.
 */
export interface BuiltSegment {
  readonly fromClient: boolean;
  readonly payload: Uint8Array;
}

export function buildTcpPcap(segments: readonly BuiltSegment[], clientPort = 50000, serverPort = 1935): Uint8Array {
  const packets: Uint8Array[] = [];
  let cseq = 1000;
  let sseq = 5000;
  const packet = (fromClient: boolean, flags: number, payload: Uint8Array): Uint8Array => {
    const p = new Uint8Array(14 + 20 + 20 + payload.length);
    const v = new DataView(p.buffer);
    v.setUint16(12, 0x0800); // Ethernet: IPv4
    p[14] = 0x45; // IPv4, 20-byte header
    v.setUint16(16, 40 + payload.length);
    p[22] = 64; // TTL
    p[23] = 6; // TCP
    p.set([127, 0, 0, 1], 26);
    p.set([127, 0, 0, 1], 30);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += v.getUint16(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    v.setUint16(24, ~sum & 0xffff);
    v.setUint16(34, fromClient ? clientPort : serverPort);
    v.setUint16(36, fromClient ? serverPort : clientPort);
    v.setUint32(38, fromClient ? cseq : sseq);
    v.setUint32(42, fromClient ? sseq : cseq);
    p[46] = 0x50; // 20-byte TCP header
    p[47] = flags;
    v.setUint16(48, 65535);
    p.set(payload, 54);
    return p;
  };
  const SYN = 0x02;
  const ACK = 0x10;
  const PSH = 0x08;
  packets.push(packet(true, SYN, new Uint8Array(0)));
  cseq++;
  packets.push(packet(false, SYN | ACK, new Uint8Array(0)));
  sseq++;
  for (const s of segments) {
    packets.push(packet(s.fromClient, ACK | PSH, s.payload));
    if (s.fromClient) cseq += s.payload.length;
    else sseq += s.payload.length;
  }
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  const records = packets.map((p, i) => {
    const r = new Uint8Array(16 + p.length);
    const rv = new DataView(r.buffer);
    rv.setUint32(0, 1700000000, true);
    rv.setUint32(4, i * 1000, true);
    rv.setUint32(8, p.length, true);
    rv.setUint32(12, p.length, true);
    r.set(p, 16);
    return r;
  });
  return Buffer.concat([header, ...records]);
}
