/**
 * The RTP packet (RFC 3550 section 5.1) with header extensions (RFC 8285): the project's one RTP
 * packet model, as readonly plain data.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  defined by profile (0xBEDE / 0x100x)   |       length          |  (X=1, RFC 3550 5.3.1)
 * |                        header extension                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     payload ...   | padding ... | pad count   |  (P=1)
 *
 * The extension block is kept raw (`extension.data`) so a decoded packet re-encodes byte-exact;
 * `extensions` lists its elements when the profile is the one-byte (0xBEDE) or two-byte (0x100x)
 * form. Build a block from elements with `encodeHeaderExtensions`.
 */
import { ParseError } from "../errors.ts";
import { RTP_ERR, RtpError } from "./errors.ts";

export const RTP_HEADER_SIZE = 12;
export const ONE_BYTE_PROFILE = 0xbede;
/** two-byte form: 0x100 in the top 12 bits, "appbits" in the low 4 (RFC 8285 4.3) */
export const TWO_BYTE_PROFILE = 0x1000;

/** One RFC 8285 element: local identifier 1..14 (one-byte) or 1..255 (two-byte) and its bytes. */
export interface RtpExtensionElement {
  readonly id: number;
  readonly data: Uint8Array;
}

/** The raw header extension block (RFC 3550 5.3.1): 16-bit profile and data (a multiple of 4 bytes). */
export interface RtpHeaderExtension {
  readonly profile: number;
  readonly data: Uint8Array;
}

export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension?: RtpHeaderExtension;
  /** parsed elements of `extension` (empty when absent or of another profile) */
  readonly extensions: readonly RtpExtensionElement[];
  readonly payload: Uint8Array;
  /** number of padding bytes including the count byte; 0 when P=0 */
  readonly padding: number;
}

/** Fields a caller gives to build a packet; the rest default to empty. */
export interface RtpPacketInit {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpHeaderExtension;
  readonly payload: Uint8Array;
  readonly padding?: number;
}

export function rtpPacket(init: RtpPacketInit): RtpPacket {
  return {
    marker: init.marker ?? false,
    payloadType: init.payloadType,
    sequenceNumber: init.sequenceNumber,
    timestamp: init.timestamp,
    ssrc: init.ssrc,
    csrcs: init.csrcs ?? [],
    extension: init.extension,
    extensions: init.extension ? decodeHeaderExtensions(init.extension) : [],
    payload: init.payload,
    padding: init.padding ?? 0,
  };
}

/** True when the first byte looks like RTP/RTCP version 2 and the second byte is an RTCP type (RFC 5761 4). */
export function isRtcp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0]! >> 6 === 2 && bytes[1]! >= 192 && bytes[1]! <= 223;
}

export function decodeRtp(bytes: Uint8Array): RtpPacket {
  if (bytes.length < RTP_HEADER_SIZE) throw new ParseError(RTP_ERR.TRUNCATED, `RTP packet of ${bytes.length} bytes is shorter than the 12-byte header`, 0);
  const b0 = bytes[0]!;
  if (b0 >> 6 !== 2) throw new ParseError(RTP_ERR.BAD_VERSION, `RTP version ${b0 >> 6}, expected 2`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE;
  if (bytes.length < offset + cc * 4) throw new ParseError(RTP_ERR.TRUNCATED, `RTP CSRC list of ${cc} does not fit`, offset);
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++, offset += 4) csrcs.push(view.getUint32(offset));
  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (bytes.length < offset + 4) throw new ParseError(RTP_ERR.TRUNCATED, "RTP header extension header does not fit", offset);
    const profile = view.getUint16(offset);
    const size = view.getUint16(offset + 2) * 4;
    if (bytes.length < offset + 4 + size) throw new ParseError(RTP_ERR.TRUNCATED, `RTP header extension of ${size} bytes does not fit`, offset + 2);
    extension = { profile, data: bytes.subarray(offset + 4, offset + 4 + size) };
    offset += 4 + size;
  }
  let end = bytes.length;
  let padding = 0;
  if (hasPadding) {
    padding = bytes[end - 1]!;
    if (padding === 0 || padding > end - offset) throw new ParseError(RTP_ERR.BAD_PADDING, `RTP padding count ${padding} does not fit the ${end - offset} bytes after the header`, end - 1);
    end -= padding;
  }
  return {
    marker: (bytes[1]! & 0x80) !== 0,
    payloadType: bytes[1]! & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    extensions: extension ? decodeHeaderExtensionsAt(extension, offset - extension.data.length) : [],
    payload: bytes.subarray(offset, end),
    padding,
  };
}

/** Elements of a one-byte or two-byte extension block; [] for another profile. */
export function decodeHeaderExtensions(extension: RtpHeaderExtension): RtpExtensionElement[] {
  return decodeHeaderExtensionsAt(extension, 0);
}

function decodeHeaderExtensionsAt(extension: RtpHeaderExtension, base: number): RtpExtensionElement[] {
  const { profile, data } = extension;
  const oneByte = profile === ONE_BYTE_PROFILE;
  if (!oneByte && (profile & 0xfff0) !== TWO_BYTE_PROFILE) return [];
  const out: RtpExtensionElement[] = [];
  let i = 0;
  while (i < data.length) {
    const first = data[i]!;
    if (first === 0) {
      i++; // padding byte between elements
      continue;
    }
    let id: number;
    let len: number;
    if (oneByte) {
      id = first >> 4;
      if (id === 15) break; // reserved: stop parsing (RFC 8285 4.2)
      len = (first & 0x0f) + 1;
      i += 1;
    } else {
      if (i + 1 >= data.length) throw new ParseError(RTP_ERR.BAD_EXTENSION, "RTP two-byte extension element header is cut", base + i);
      id = first;
      len = data[i + 1]!;
      i += 2;
    }
    if (i + len > data.length) throw new ParseError(RTP_ERR.BAD_EXTENSION, `RTP extension element ${id} of ${len} bytes runs past the block`, base + i);
    out.push({ id, data: data.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/**
 * Builds an extension block from elements: the one-byte form when every id is 1..14 and every
 * element 1..16 bytes, else the two-byte form (RFC 8285 4.2/4.3); zero-padded to 32 bits.
 */
export function encodeHeaderExtensions(elements: readonly RtpExtensionElement[]): RtpHeaderExtension {
  const oneByte = elements.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16);
  let size = 0;
  for (const e of elements) {
    if (!oneByte && (e.id < 1 || e.id > 255 || e.data.length > 255)) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTP extension element ${e.id} with ${e.data.length} bytes fits neither form`);
    size += (oneByte ? 1 : 2) + e.data.length;
  }
  const data = new Uint8Array(Math.ceil(size / 4) * 4);
  let i = 0;
  for (const e of elements) {
    if (oneByte) data[i++] = (e.id << 4) | (e.data.length - 1);
    else {
      data[i++] = e.id;
      data[i++] = e.data.length;
    }
    data.set(e.data, i);
    i += e.data.length;
  }
  return { profile: oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, data };
}

export function encodedSize(packet: RtpPacket): number {
  const ext = packet.extension ? 4 + packet.extension.data.length : 0;
  return RTP_HEADER_SIZE + packet.csrcs.length * 4 + ext + packet.payload.length + packet.padding;
}

export function encodeRtp(packet: RtpPacket): Uint8Array {
  const out = new Uint8Array(encodedSize(packet));
  encodeInto(packet, out, 0);
  return out;
}

/** Writes the packet at `offset` of `out` (which must hold `encodedSize` bytes); returns the bytes written. */
export function encodeInto(packet: RtpPacket, out: Uint8Array, offset: number): number {
  const size = encodedSize(packet);
  if (out.length - offset < size) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTP packet needs ${size} bytes, ${out.length - offset} available`);
  if (packet.csrcs.length > 15) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTP packet has ${packet.csrcs.length} CSRCs, at most 15`);
  if (packet.padding > 255) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTP padding ${packet.padding} is over 255`);
  const ext = packet.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RtpError(RTP_ERR.FIELD_RANGE, "RTP header extension data must be a multiple of 4 bytes");
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[offset] = 0x80 | (packet.padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | packet.csrcs.length;
  out[offset + 1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  view.setUint16(offset + 2, packet.sequenceNumber & 0xffff);
  view.setUint32(offset + 4, packet.timestamp >>> 0);
  view.setUint32(offset + 8, packet.ssrc >>> 0);
  let i = offset + RTP_HEADER_SIZE;
  for (const csrc of packet.csrcs) {
    view.setUint32(i, csrc >>> 0);
    i += 4;
  }
  if (ext) {
    view.setUint16(i, ext.profile);
    view.setUint16(i + 2, ext.data.length / 4);
    out.set(ext.data, i + 4);
    i += 4 + ext.data.length;
  }
  out.set(packet.payload, i);
  i += packet.payload.length;
  if (packet.padding > 0) {
    out.fill(0, i, i + packet.padding - 1);
    i += packet.padding;
    out[i - 1] = packet.padding;
  }
  return size;
}
