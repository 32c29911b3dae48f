/**
 * Capture files: classic pcap and pcapng, read whole from memory.
 *
 * Classic pcap (draft-ietf-opsawg-pcap): a 24-byte file header
 *
 *   magic u32 | version_major u16 | version_minor u16 | thiszone i32 | sigfigs u32 | snaplen u32 | linktype u32
 *
 * where magic 0xA1B2C3D4 means microsecond and 0xA1B23C4D nanosecond timestamps; read in the other
 * byte order it tells the file is swapped. 0xA1B2CD34 is Alexey Kuznetzov's "modified" pcap, whose
 * record headers carry 8 more bytes (ifindex, protocol, packet type). Each record is
 *
 *   ts_sec u32 | ts_frac u32 | incl_len u32 | orig_len u32 | incl_len bytes of packet
 *
 * pcapng (draft-ietf-opsawg-pcapng): blocks `type u32 | total_length u32 | body | total_length u32`,
 * padded to 32 bits. A Section Header Block (0x0A0D0D0A, byte-order magic 0x1A2B3C4D) starts each
 * section and sets its byte order; Interface Description Blocks (1) declare link type and
 * if_tsresol (option 9) / if_tsoffset (option 14); packets come in Enhanced (6), Simple (3) and the
 * obsolete Packet (2) blocks. Every other block type is skipped.
 *
 * A record cut short at the end of the file ends the reading (what was read is returned); a bad
 * file header or a pcapng block whose lengths cannot be trusted is a `ParseError`.
 */
import { ParseError } from "../errors.ts";
import { PCAP_ERR } from "./errors.ts";
import { MAX_PACKET_BYTES } from "./limits.ts";

/** One packet as the capture file holds it. */
export interface CapturedPacket {
  /** 1-based position among the file's packets (Wireshark's frame.number). */
  readonly frame: number;
  /** capture time, seconds since the Unix epoch (microsecond precision survives the float) */
  readonly time: number;
  /** LINKTYPE_* value of the interface (1 Ethernet, 113 SLL, 276 SLL2, 0 null, 101 raw IP, ...) */
  readonly linkType: number;
  /** the captured bytes (a view into the file's bytes; may be shorter than originalLength) */
  readonly data: Uint8Array;
  /** the length of the packet on the wire */
  readonly originalLength: number;
}

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Reads a pcap or pcapng file. Never changes `bytes`; packet data are views into it. */
export function readCapture(bytes: Uint8Array): CapturedPacket[] {
  if (bytes.length < 4) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, "capture file shorter than its magic number", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) === PCAPNG_SHB) return readPcapng(bytes, view);
  return readPcap(bytes, view);
}

function readPcap(bytes: Uint8Array, view: DataView): CapturedPacket[] {
  const magicBe = view.getUint32(0, false);
  const magicLe = view.getUint32(0, true);
  const known = [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED];
  let magic: number;
  let le: boolean;
  if (known.includes(magicBe)) {
    le = false;
    magic = magicBe;
  } else if (known.includes(magicLe)) {
    le = true;
    magic = magicLe;
  } else {
    throw new ParseError(PCAP_ERR.BAD_MAGIC, `not a pcap or pcapng file (magic 0x${magicBe.toString(16).padStart(8, "0")})`, 0);
  }
  const fracPerSecond = magic === PCAP_MAGIC_NS ? 1e9 : 1e6;
  const recordHeader = magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
  if (bytes.length < 24) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, `pcap file header needs 24 bytes, file has ${bytes.length}`, 0);
  const major = view.getUint16(4, le);
  if (major !== 2) throw new ParseError(PCAP_ERR.BAD_VERSION, `pcap version ${major}.${view.getUint16(6, le)} is not 2.x`, 4);
  // The upper bits of the link-type field carry the FCS length; the link type is the low 16 bits.
  const linkType = view.getUint32(20, le) & 0xffff;

  const packets: CapturedPacket[] = [];
  let offset = 24;
  while (offset + recordHeader <= bytes.length) {
    const seconds = view.getUint32(offset, le);
    const fraction = view.getUint32(offset + 4, le);
    const inclLen = view.getUint32(offset + 8, le);
    const origLen = view.getUint32(offset + 12, le);
    const start = offset + recordHeader;
    // A record that runs past the end of the file is a capture cut short: stop there.
    if (inclLen > MAX_PACKET_BYTES || start + inclLen > bytes.length) break;
    packets.push({
      frame: packets.length + 1,
      time: seconds + fraction / fracPerSecond,
      linkType,
      data: bytes.subarray(start, start + inclLen),
      originalLength: Math.max(origLen, inclLen),
    });
    offset = start + inclLen;
  }
  return packets;
}

interface Interface {
  readonly linkType: number;
  readonly snapLength: number;
  /** timestamp units per second, as a bigint (10^n or 2^n) */
  readonly unitsPerSecond: bigint;
  /** seconds added to every timestamp (if_tsoffset) */
  readonly offsetSeconds: number;
}

function readPcapng(bytes: Uint8Array, view: DataView): CapturedPacket[] {
  if (bytes.length < 12) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, "pcapng section header block cut short", 0);
  const packets: CapturedPacket[] = [];
  let interfaces: Interface[] = [];
  let le = true;
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const typeBe = view.getUint32(offset, false);
    if (typeBe === PCAPNG_SHB) {
      // The byte order of the section is only known after reading the byte-order magic.
      if (offset + 12 > bytes.length) {
        if (offset === 0) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, "pcapng section header block cut short", offset);
        break;
      }
      const magic = view.getUint32(offset + 8, true);
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (view.getUint32(offset + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else throw new ParseError(PCAP_ERR.BAD_MAGIC, "pcapng section header has no byte-order magic", offset + 8);
      interfaces = [];
    }
    const type = view.getUint32(offset, le);
    const total = view.getUint32(offset + 4, le);
    if (total < 12 || total % 4 !== 0) {
      throw new ParseError(PCAP_ERR.BAD_BLOCK_LENGTH, `pcapng block type 0x${type.toString(16)} has total length ${total}`, offset + 4);
    }
    if (offset + total > bytes.length) {
      if (offset === 0) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, "pcapng section header block cut short", offset);
      break; // the last block is cut short: the capture ends here
    }
    if (view.getUint32(offset + total - 4, le) !== total) {
      throw new ParseError(PCAP_ERR.BAD_BLOCK_LENGTH, `pcapng block trailer disagrees with its total length ${total}`, offset + total - 4);
    }
    const body = offset + 8;
    const bodyEnd = offset + total - 4;
    switch (type) {
      case PCAPNG_SHB: {
        if (bodyEnd - body < 16) throw new ParseError(PCAP_ERR.TRUNCATED_HEADER, "pcapng section header block too short", offset);
        const major = view.getUint16(body + 4, le);
        if (major !== 1) throw new ParseError(PCAP_ERR.BAD_VERSION, `pcapng section version ${major}.${view.getUint16(body + 6, le)} is not 1.x`, body + 4);
        break;
      }
      case 1: // Interface Description Block
        // A description too short to read still takes its interface number (its packets are not IP).
        interfaces.push(bodyEnd - body >= 8 ? readInterface(view, body, bodyEnd, le) : { linkType: 0xffff, snapLength: 0, unitsPerSecond: 1_000_000n, offsetSeconds: 0 });
        break;
      case 6: // Enhanced Packet Block
      case 2: { // Packet Block (obsolete): interface id is u16 followed by a drops count u16
        if (bodyEnd - body < 20) break;
        const id = type === 6 ? view.getUint32(body, le) : view.getUint16(body, le);
        const iface = interfaceFor(interfaces, id, offset);
        const high = view.getUint32(body + 4, le);
        const low = view.getUint32(body + 8, le);
        const capLen = view.getUint32(body + 12, le);
        const origLen = view.getUint32(body + 16, le);
        const start = body + 20;
        if (capLen > MAX_PACKET_BYTES || start + capLen > bodyEnd) break; // truncated packet: skip
        packets.push({
          frame: packets.length + 1,
          time: timestampSeconds(high, low, iface),
          linkType: iface.linkType,
          data: bytes.subarray(start, start + capLen),
          originalLength: Math.max(origLen, capLen),
        });
        break;
      }
      case 3: { // Simple Packet Block: no interface id (always 0), no timestamp
        if (bodyEnd - body < 4) break;
        const iface = interfaceFor(interfaces, 0, offset);
        const origLen = view.getUint32(body, le);
        let capLen = Math.min(origLen, bodyEnd - body - 4);
        if (iface.snapLength > 0) capLen = Math.min(capLen, iface.snapLength);
        packets.push({
          frame: packets.length + 1,
          time: 0,
          linkType: iface.linkType,
          data: bytes.subarray(body + 4, body + 4 + capLen),
          originalLength: origLen,
        });
        break;
      }
      default:
        break; // Name Resolution, Interface Statistics, Decryption Secrets, custom, ...: skipped
    }
    offset += total;
  }
  return packets;
}

function interfaceFor(interfaces: readonly Interface[], id: number, offset: number): Interface {
  const iface = interfaces[id];
  if (!iface) throw new ParseError(PCAP_ERR.UNKNOWN_INTERFACE, `pcapng packet block names interface ${id}, which was not described`, offset);
  return iface;
}

function readInterface(view: DataView, body: number, bodyEnd: number, le: boolean): Interface {
  const linkType = view.getUint16(body, le);
  const snapLength = view.getUint32(body + 4, le);
  let unitsPerSecond = 1_000_000n;
  let offsetSeconds = 0;
  // Options: code u16 | length u16 | value padded to 32 bits; opt_endofopt (0) ends the list.
  let at = body + 8;
  while (at + 4 <= bodyEnd) {
    const code = view.getUint16(at, le);
    const length = view.getUint16(at + 2, le);
    const value = at + 4;
    if (code === 0 || value + length > bodyEnd) break;
    if (code === 9 && length >= 1) {
      // if_tsresol: MSB clear -> 10^-n seconds, MSB set -> 2^-n seconds.
      const res = view.getUint8(value);
      const exponent = BigInt(res & 0x7f);
      unitsPerSecond = res & 0x80 ? 1n << exponent : 10n ** exponent;
    } else if (code === 14 && length >= 8) {
      offsetSeconds = Number(le ? view.getBigInt64(value, true) : view.getBigInt64(value, false));
    }
    at = value + ((length + 3) & ~3);
  }
  return { linkType, snapLength, unitsPerSecond, offsetSeconds };
}

function timestampSeconds(high: number, low: number, iface: Interface): number {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const whole = units / iface.unitsPerSecond;
  const rest = units % iface.unitsPerSecond;
  return Number(whole) + Number(rest) / Number(iface.unitsPerSecond) + iface.offsetSeconds;
}
