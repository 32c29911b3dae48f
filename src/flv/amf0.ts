/**
 * AMF0 (Adobe "Action Message Format -- AMF 0", 2006), the value encoding of FLV script tags and of
 * RTMP command (20) and data (18) messages.
 *
 *   marker (1 byte) | body
 *   0x00 number       8-byte IEEE-754 double, big endian
 *   0x01 boolean      1 byte, 0 = false
 *   0x02 string       u16 length + UTF-8
 *   0x03 object       (u16 key length + UTF-8 key + value)* then 0x00 0x00 0x09
 *   0x05 null, 0x06 undefined
 *   0x07 reference    u16 index of an earlier complex value (decoded as Amf0Reference)
 *   0x08 ECMA array   u32 count hint + object body
 *   0x09 object end   only legal after an empty key inside an object body
 *   0x0A strict array u32 count + values
 *   0x0B date         double (ms since 1970) + s16 time zone (reserved, 0)
 *   0x0C long string  u32 length + UTF-8
 *   0x0F XML document u32 length + UTF-8 (decoded as Amf0Xml)
 *   0x10 typed object u16 class name + object body (decoded as Amf0TypedObject)
 *   0x11 AVM+ switch  AMF3 follows: rejected (ERR_AMF0_AMF3_UNSUPPORTED)
 *
 * Plain JS values map directly: number, boolean, string, null, undefined, arrays (strict array) and
 * plain objects (object). The wrapper classes keep the other types apart so they round-trip.
 */
import { ParseError } from "../errors.ts";
import { FLV_ERR } from "./errors.ts";

export const AMF0_MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieclip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  recordset: 0x0e,
  xmlDocument: 0x0f,
  typedObject: 0x10,
  avmplus: 0x11,
} as const;

/** Deepest nesting of objects/arrays a decoder accepts (a "depth bomb" beyond is a ParseError). */
export const AMF0_MAX_DEPTH = 64;

export class Amf0EcmaArray {
  constructor(readonly value: Readonly<Record<string, Amf0Value>>) {}
}
export class Amf0Date {
  /** `ms` since 1970-01-01 UTC; `timezone` is the reserved s16 field (minutes), normally 0. */
  constructor(readonly ms: number, readonly timezone = 0) {}
}
export class Amf0Reference {
  constructor(readonly index: number) {}
}
export class Amf0Xml {
  constructor(readonly value: string) {}
}
export class Amf0TypedObject {
  constructor(readonly className: string, readonly value: Readonly<Record<string, Amf0Value>>) {}
}

export type Amf0Object = { readonly [key: string]: Amf0Value };
export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | readonly Amf0Value[]
  | Amf0EcmaArray
  | Amf0Date
  | Amf0Reference
  | Amf0Xml
  | Amf0TypedObject
  | Amf0Object;

export interface Amf0Decoded {
  readonly value: Amf0Value;
  /** offset just after the value */
  readonly end: number;
}

const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

class Amf0Decoder {
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, public pos: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new ParseError(FLV_ERR.AMF0_TRUNCATED, `AMF0 ${what} needs ${n} bytes, ${this.bytes.length - this.pos} left`, this.pos);
    }
  }
  private u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }
  private u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  private f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  private utf8(length: number, what: string): string {
    this.need(length, what);
    const s = utf8.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return s;
  }

  value(depth: number): Amf0Value {
    const at = this.pos;
    const marker = this.u8("marker");
    switch (marker) {
      case AMF0_MARKER.number:
        return this.f64("number");
      case AMF0_MARKER.boolean:
        return this.u8("boolean") !== 0;
      case AMF0_MARKER.string:
        return this.utf8(this.u16("string length"), "string");
      case AMF0_MARKER.longString:
        return this.utf8(this.u32("long string length"), "long string");
      case AMF0_MARKER.xmlDocument:
        return new Amf0Xml(this.utf8(this.u32("XML length"), "XML document"));
      case AMF0_MARKER.null:
        return null;
      case AMF0_MARKER.undefined:
        return undefined;
      case AMF0_MARKER.reference:
        return new Amf0Reference(this.u16("reference"));
      case AMF0_MARKER.date: {
        const ms = this.f64("date");
        this.need(2, "date time zone");
        const tz = this.view.getInt16(this.pos);
        this.pos += 2;
        return new Amf0Date(ms, tz);
      }
      case AMF0_MARKER.object:
        return this.properties(depth + 1, at);
      case AMF0_MARKER.typedObject: {
        const className = this.utf8(this.u16("class name length"), "class name");
        return new Amf0TypedObject(className, this.properties(depth + 1, at));
      }
      case AMF0_MARKER.ecmaArray:
        this.u32("ECMA array count"); // a hint only: nginx-rtmp and others send 0
        return new Amf0EcmaArray(this.properties(depth + 1, at));
      case AMF0_MARKER.strictArray: {
        this.checkDepth(depth + 1, at);
        const count = this.u32("strict array count");
        const out: Amf0Value[] = [];
        for (let i = 0; i < count; i++) {
          if (this.pos >= this.bytes.length) this.need(1, `strict array element ${i} of ${count}`);
          out.push(this.value(depth + 1));
        }
        return out;
      }
      case AMF0_MARKER.avmplus:
        throw new ParseError(FLV_ERR.AMF0_AMF3_UNSUPPORTED, "AMF0 AVM+ switch marker (0x11): the peer sent AMF3, which is not supported; ask it for objectEncoding 0", at);
      case AMF0_MARKER.objectEnd:
        throw new ParseError(FLV_ERR.AMF0_UNEXPECTED_OBJECT_END, "AMF0 object-end marker (0x09) outside an object", at);
      default:
        throw new ParseError(FLV_ERR.AMF0_UNKNOWN_MARKER, `AMF0 marker 0x${marker.toString(16).padStart(2, "0")} is not supported`, at);
    }
  }

  private checkDepth(depth: number, at: number): void {
    if (depth > AMF0_MAX_DEPTH) throw new ParseError(FLV_ERR.AMF0_TOO_DEEP, `AMF0 values nested deeper than ${AMF0_MAX_DEPTH}`, at);
  }

  /** Key/value pairs up to the empty key + object-end marker. */
  private properties(depth: number, at: number): Record<string, Amf0Value> {
    this.checkDepth(depth, at);
    const out: Record<string, Amf0Value> = {};
    for (;;) {
      const key = this.utf8(this.u16("property name length"), "property name");
      if (key === "" && this.pos < this.bytes.length && this.bytes[this.pos] === AMF0_MARKER.objectEnd) {
        this.pos++;
        return out;
      }
      if (this.pos >= this.bytes.length) this.need(1, "object end");
      // defineProperty: a key named "__proto__" stays an ordinary own property
      Object.defineProperty(out, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
    }
  }
}

/** Decodes one AMF0 value at `offset`. */
export function decodeAmf0(bytes: Uint8Array, offset = 0): Amf0Decoded {
  const d = new Amf0Decoder(bytes, offset);
  const value = d.value(0);
  return { value, end: d.pos };
}

/** Decodes every value up to the end of `bytes`. */
export function decodeAmf0All(bytes: Uint8Array, offset = 0): Amf0Value[] {
  const d = new Amf0Decoder(bytes, offset);
  const out: Amf0Value[] = [];
  while (d.pos < bytes.length) out.push(d.value(0));
  return out;
}

class Amf0Encoder {
  private parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  private bytes(...values: number[]): void {
    this.push(Uint8Array.from(values));
  }
  private u16(v: number): void {
    this.bytes((v >>> 8) & 0xff, v & 0xff);
  }
  private u32(v: number): void {
    this.bytes((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  private f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    this.push(b);
  }
  private shortUtf8(s: string): void {
    const b = utf8Encoder.encode(s);
    if (b.length > 0xffff) throw new RangeError(`AMF0 property or class name longer than 65535 bytes`);
    this.u16(b.length);
    this.push(b);
  }
  private properties(obj: Readonly<Record<string, Amf0Value>>, depth: number): void {
    for (const key of Object.keys(obj)) {
      this.shortUtf8(key);
      this.value(obj[key], depth);
    }
    this.bytes(0, 0, AMF0_MARKER.objectEnd);
  }

  value(v: Amf0Value, depth: number): void {
    if (depth > AMF0_MAX_DEPTH) throw new RangeError(`AMF0 values nested deeper than ${AMF0_MAX_DEPTH}`);
    if (typeof v === "number") {
      this.bytes(AMF0_MARKER.number);
      this.f64(v);
    } else if (typeof v === "boolean") {
      this.bytes(AMF0_MARKER.boolean, v ? 1 : 0);
    } else if (typeof v === "string") {
      const b = utf8Encoder.encode(v);
      if (b.length > 0xffff) {
        this.bytes(AMF0_MARKER.longString);
        this.u32(b.length);
      } else {
        this.bytes(AMF0_MARKER.string);
        this.u16(b.length);
      }
      this.push(b);
    } else if (v === null) {
      this.bytes(AMF0_MARKER.null);
    } else if (v === undefined) {
      this.bytes(AMF0_MARKER.undefined);
    } else if (Array.isArray(v)) {
      this.bytes(AMF0_MARKER.strictArray);
      this.u32(v.length);
      for (const item of v as readonly Amf0Value[]) this.value(item, depth + 1);
    } else if (v instanceof Amf0EcmaArray) {
      this.bytes(AMF0_MARKER.ecmaArray);
      this.u32(Object.keys(v.value).length);
      this.properties(v.value, depth + 1);
    } else if (v instanceof Amf0Date) {
      this.bytes(AMF0_MARKER.date);
      this.f64(v.ms);
      this.u16(v.timezone & 0xffff);
    } else if (v instanceof Amf0Reference) {
      this.bytes(AMF0_MARKER.reference);
      this.u16(v.index);
    } else if (v instanceof Amf0Xml) {
      const b = utf8Encoder.encode(v.value);
      this.bytes(AMF0_MARKER.xmlDocument);
      this.u32(b.length);
      this.push(b);
    } else if (v instanceof Amf0TypedObject) {
      this.bytes(AMF0_MARKER.typedObject);
      this.shortUtf8(v.className);
      this.properties(v.value, depth + 1);
    } else {
      this.bytes(AMF0_MARKER.object);
      this.properties(v as Amf0Object, depth + 1);
    }
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Encodes the values one after the other (as in a command or data message body). */
export function encodeAmf0(values: readonly Amf0Value[]): Uint8Array {
  const e = new Amf0Encoder();
  for (const v of values) e.value(v, 0);
  return e.finish();
}

/** The properties of an object, ECMA array or typed object; undefined for any other value. */
export function amf0Properties(v: Amf0Value): Readonly<Record<string, Amf0Value>> | undefined {
  if (v instanceof Amf0EcmaArray || v instanceof Amf0TypedObject) return v.value;
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Amf0Date || v instanceof Amf0Reference || v instanceof Amf0Xml) return undefined;
  return v as Amf0Object;
}
