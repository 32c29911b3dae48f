/**
 * Minimal Ogg (RFC 3533) page reader and Ogg Opus (RFC 7845) writer for tests: pull Opus packets out
 * of an ffmpeg-made .ogg, or wrap RTP Opus payloads into a file ffmpeg can decode.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

function crc(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ b) & 0xff]!) >>> 0;
  return c;
}

/** All packets of the (single) logical stream, in order, headers included. */
export function oggPackets(file: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let at = 0;
  while (at + 27 <= file.length) {
    if (String.fromCharCode(...file.subarray(at, at + 4)) !== "OggS") throw new Error(`no OggS at ${at}`);
    const nseg = file[at + 26]!;
    let body = at + 27 + nseg;
    for (let s = 0; s < nseg; s++) {
      const lace = file[at + 27 + s]!;
      parts.push(file.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p)))));
        parts = [];
      }
    }
    at = body;
  }
  return packets;
}

function page(headerType: number, granule: bigint, serial: number, seq: number, packets: readonly Uint8Array[]): Uint8Array {
  const lacing: number[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) { lacing.push(255); n -= 255; }
    lacing.push(n);
  }
  const body = Buffer.concat(packets.map((p) => Buffer.from(p)));
  const out = new Uint8Array(27 + lacing.length + body.length);
  const v = new DataView(out.buffer);
  out.set(Buffer.from("OggS", "latin1"));
  out[5] = headerType;
  v.setBigUint64(6, granule, true);
  v.setUint32(14, serial, true);
  v.setUint32(18, seq, true);
  out[26] = lacing.length;
  out.set(lacing, 27);
  out.set(body, 27 + lacing.length);
  v.setUint32(22, crc(out), true);
  return out;
}

/** An Ogg Opus file with pre-skip 0; `durations` are each packet's length in 48 kHz samples. */
export function oggOpusFile(packets: readonly Uint8Array[], durations: readonly number[], channels: number): Uint8Array {
  const head = new Uint8Array(19);
  head.set(Buffer.from("OpusHead", "latin1"));
  head[8] = 1;
  head[9] = channels;
  new DataView(head.buffer).setUint32(12, 48000, true);
  const tags = new Uint8Array(Buffer.concat([Buffer.from("OpusTags", "latin1"), Buffer.from([4, 0, 0, 0]), Buffer.from("test"), Buffer.alloc(4)]));
  const serial = 0x7a11;
  const pages = [page(2, 0n, serial, 0, [head]), page(0, 0n, serial, 1, [tags])];
  let granule = 0n;
  for (let i = 0; i < packets.length; i++) {
    granule += BigInt(durations[i]!);
    pages.push(page(i === packets.length - 1 ? 4 : 0, granule, serial, i + 2, [packets[i]!]));
  }
  return new Uint8Array(Buffer.concat(pages.map((p) => Buffer.from(p))));
}
