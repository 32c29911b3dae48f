/**
 * Builders for synthetic captures (the pcap tests write them to a temp dir and let tshark read
 * them too, so each synthetic case is checked against Wireshark's dissectors).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "../../../src/codecs/bytes.ts";

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function ipv4Address(a: string): number[] {
  return a.split(".").map(Number);
}

export interface Ipv4Options {
  readonly src?: string;
  readonly dst?: string;
  readonly protocol?: number;
  readonly id?: number;
  /** fragment offset in bytes (multiple of 8) */
  readonly fragmentOffset?: number;
  readonly moreFragments?: boolean;
  /** option bytes (padded to 32 bits by the caller) */
  readonly options?: Uint8Array;
}

export function ipv4(payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const options = o.options ?? new Uint8Array(0);
  const headerLength = 20 + options.length;
  const flags = (o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) / 8);
  const header = bytes(
    0x40 | (headerLength / 4), 0, ...be16(headerLength + payload.length), ...be16(o.id ?? 1), ...be16(flags),
    64, o.protocol ?? 17, 0, 0, ...ipv4Address(o.src ?? "10.0.0.1"), ...ipv4Address(o.dst ?? "10.0.0.2"),
  );
  return concat(header, options, payload);
}

export function ipv6(payload: Uint8Array, nextHeader: number, src: Uint8Array, dst: Uint8Array): Uint8Array {
  return concat(bytes(0x60, 0, 0, 0, ...be16(payload.length), nextHeader, 64), src, dst, payload);
}

export function udp(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return concat(bytes(...be16(srcPort), ...be16(dstPort), ...be16(8 + payload.length), 0, 0), payload);
}

export interface TcpOptions {
  readonly seq: number;
  readonly ack?: number;
  readonly syn?: boolean;
  readonly fin?: boolean;
  readonly rst?: boolean;
  /** ACK flag; default true except on a bare SYN */
  readonly ackFlag?: boolean;
}

export function tcp(srcPort: number, dstPort: number, o: TcpOptions, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const ackFlag = o.ackFlag ?? !(o.syn && o.ack === undefined);
  const flags = (o.fin ? 1 : 0) | (o.syn ? 2 : 0) | (o.rst ? 4 : 0) | (payload.length > 0 ? 8 : 0) | (ackFlag ? 0x10 : 0);
  return concat(bytes(...be16(srcPort), ...be16(dstPort), ...be32(o.seq >>> 0), ...be32((o.ack ?? 0) >>> 0), 0x50, flags, 0xff, 0xff, 0, 0, 0, 0), payload);
}

export function ethernet(payload: Uint8Array, etherType = 0x0800, vlanTags: number[] = []): Uint8Array {
  const tags = vlanTags.flatMap((vid) => [0x81, 0x00, ...be16(vid)]);
  return concat(bytes(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...tags, ...be16(etherType)), payload);
}

export interface Record {
  readonly time: number;
  readonly data: Uint8Array;
}

/** A classic pcap file; `ns` picks the nanosecond magic; `le` the little-endian byte order. */
export function pcapFile(linkType: number, records: readonly Record[], o: { le?: boolean; ns?: boolean } = {}): Uint8Array {
  const le = o.le ?? true;
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, o.ns ? 0xa1b23c4d : 0xa1b2c3d4, le);
  header.setUint16(4, 2, le);
  header.setUint16(6, 4, le);
  header.setUint32(16, 262144, le);
  header.setUint32(20, linkType, le);
  parts.push(new Uint8Array(header.buffer));
  for (const r of records) {
    const h = new DataView(new ArrayBuffer(16));
    const seconds = Math.floor(r.time);
    h.setUint32(0, seconds, le);
    h.setUint32(4, Math.round((r.time - seconds) * (o.ns ? 1e9 : 1e6)), le);
    h.setUint32(8, r.data.length, le);
    h.setUint32(12, r.data.length, le);
    parts.push(new Uint8Array(h.buffer), r.data);
  }
  return concat(...parts);
}

/** One pcapng block with its lengths; `body` is padded to 32 bits. */
export function pcapngBlock(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = concat(body, new Uint8Array((4 - (body.length % 4)) % 4));
  const total = 12 + padded.length;
  const head = new DataView(new ArrayBuffer(8));
  head.setUint32(0, type, le);
  head.setUint32(4, total, le);
  const tail = new DataView(new ArrayBuffer(4));
  tail.setUint32(0, total, le);
  return concat(new Uint8Array(head.buffer), padded, new Uint8Array(tail.buffer));
}

function fields(le: boolean, spec: readonly [16 | 32, number][]): Uint8Array {
  const size = spec.reduce((n, [w]) => n + w / 8, 0);
  const view = new DataView(new ArrayBuffer(size));
  let at = 0;
  for (const [w, v] of spec) {
    if (w === 16) view.setUint16(at, v, le);
    else view.setUint32(at, v >>> 0, le);
    at += w / 8;
  }
  return new Uint8Array(view.buffer);
}

export function shb(le: boolean): Uint8Array {
  return pcapngBlock(0x0a0d0d0a, concat(fields(le, [[32, 0x1a2b3c4d], [16, 1], [16, 0], [32, 0xffffffff], [32, 0xffffffff]])), le);
}

/** Interface Description Block; `tsresol` is the raw if_tsresol byte (6 = µs, 9 = ns, 0x80|n = 2^-n). */
export function idb(le: boolean, linkType: number, tsresol?: number): Uint8Array {
  const options = tsresol === undefined ? new Uint8Array(0) : concat(fields(le, [[16, 9], [16, 1]]), bytes(tsresol, 0, 0, 0), fields(le, [[16, 0], [16, 0]]));
  return pcapngBlock(1, concat(fields(le, [[16, linkType], [16, 0], [32, 0]]), options), le);
}

/** Enhanced Packet Block; `units` is the timestamp in the interface's units. */
export function epb(le: boolean, iface: number, units: bigint, data: Uint8Array): Uint8Array {
  const high = Number(units >> 32n);
  const low = Number(units & 0xffffffffn);
  return pcapngBlock(6, concat(fields(le, [[32, iface], [32, high], [32, low], [32, data.length], [32, data.length]]), data), le);
}

export function spb(le: boolean, data: Uint8Array): Uint8Array {
  return pcapngBlock(3, concat(fields(le, [[32, data.length]]), data), le);
}

/** A temp dir for files tshark should read; `cleanup()` removes it. */
export function tempDir(): { dir: string; write(name: string, data: Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "transpond-pcap-"));
  return {
    dir,
    write(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
