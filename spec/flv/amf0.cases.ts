/** AMF0 cases: one table drives decode, encode and the fuzz seeds (house style 7). */
import { Amf0Date, Amf0EcmaArray, Amf0Reference, Amf0TypedObject, Amf0Xml, type Amf0Value } from "../../src/flv/amf0.ts";

export interface Amf0Case {
  readonly name: string;
  readonly hex: string;
  readonly value: Amf0Value;
  /** false when encoding gives other (equivalent) bytes */
  readonly encodes?: boolean;
}

const h = (s: string): string => s.replace(/\s+/g, "");
const ascii = (s: string): string => [...s].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");

export const AMF0_CASES: readonly Amf0Case[] = [
  { name: "number 0", hex: h("00" /* number */ + "0000000000000000"), value: 0 },
  { name: "number 1.5", hex: h("00" + "3ff8000000000000" /* 1.5 as IEEE-754 double */), value: 1.5 },
  { name: "number -2500000", hex: h("00" + "c14312d000000000"), value: -2500000 },
  { name: "boolean true", hex: h("01" /* boolean */ + "01"), value: true },
  { name: "boolean false", hex: h("01" + "00"), value: false },
  { name: "string connect", hex: h("02" /* string */ + "0007" /* length 7 */ + ascii("connect")), value: "connect" },
  { name: "empty string", hex: h("02" + "0000"), value: "" },
  { name: "utf-8 string", hex: h("02" + "0002" + "c3a9" /* é */), value: "é" },
  { name: "null", hex: "05", value: null },
  { name: "undefined", hex: "06", value: undefined },
  {
    name: "object {app: 'live', fpad: false}",
    hex: h("03" /* object */ + "0003" + ascii("app") + "02" + "0004" + ascii("live") + "0004" + ascii("fpad") + "0100" + "000009" /* empty key + end */),
    value: { app: "live", fpad: false },
  },
  { name: "empty object", hex: h("03" + "000009"), value: {} },
  {
    name: "ECMA array {duration: 0} (onMetaData)",
    hex: h("08" /* ECMA array */ + "00000001" /* count */ + "0008" + ascii("duration") + "00" + "0000000000000000" + "000009"),
    value: new Amf0EcmaArray({ duration: 0 }),
  },
  {
    name: "ECMA array with a zero count hint (nginx-rtmp)",
    hex: h("08" + "00000000" /* count 0 although one property follows */ + "0001" + ascii("a") + "05" + "000009"),
    value: new Amf0EcmaArray({ a: null }),
    encodes: false,
  },
  {
    name: "strict array [1, 'a']",
    hex: h("0a" /* strict array */ + "00000002" + "00" + "3ff0000000000000" + "02" + "0001" + ascii("a")),
    value: [1, "a"],
  },
  { name: "date 2021-01-01", hex: h("0b" /* date */ + "42776bb3e7000000" /* 1609459200000 ms */ + "0000" /* tz */), value: new Amf0Date(1609459200000, 0) },
  { name: "reference 1", hex: h("07" /* reference */ + "0001"), value: new Amf0Reference(1) },
  { name: "XML document", hex: h("0f" + "00000003" + ascii("<a/>".slice(0, 3))), value: new Amf0Xml("<a/") },
  {
    name: "typed object",
    hex: h("10" + "0002" + ascii("Ty") + "0001" + ascii("x") + "0040000000" + "00000000" + "000009"),
    value: new Amf0TypedObject("Ty", { x: 2 }),
  },
  {
    name: "nested object with an ECMA array inside",
    hex: h("03" + "0001" + ascii("o") + "08" + "00000001" + "0001" + ascii("n") + "05" + "000009" + "000009"),
    value: { o: new Amf0EcmaArray({ n: null }) },
  },
  {
    name: "long string of 65536 bytes",
    hex: h("0c" /* long string */ + "00010000" /* length 65536 */ + "61".repeat(65536)),
    value: "a".repeat(65536),
  },
];

/** Bad inputs and the ParseError code each must give. */
export const AMF0_BAD: readonly { readonly name: string; readonly hex: string; readonly code: string }[] = [
  { name: "empty input", hex: "", code: "ERR_AMF0_TRUNCATED" },
  { name: "number cut after 2 bytes", hex: "000000", code: "ERR_AMF0_TRUNCATED" },
  { name: "string shorter than its length", hex: "02000561", code: "ERR_AMF0_TRUNCATED" },
  { name: "long string length beyond the end", hex: "0cffffffff61", code: "ERR_AMF0_TRUNCATED" },
  { name: "object without its end marker", hex: "0300016105", code: "ERR_AMF0_TRUNCATED" },
  { name: "object key without a value", hex: "03000161", code: "ERR_AMF0_TRUNCATED" },
  { name: "strict array announcing 4 billion items", hex: "0affffffff05", code: "ERR_AMF0_TRUNCATED" },
  { name: "date without time zone", hex: "0b0000000000000000", code: "ERR_AMF0_TRUNCATED" },
  { name: "AMF3 switch marker", hex: "1109", code: "ERR_AMF0_AMF3_UNSUPPORTED" },
  { name: "movieclip marker (reserved)", hex: "04", code: "ERR_AMF0_UNKNOWN_MARKER" },
  { name: "unsupported marker", hex: "0d", code: "ERR_AMF0_UNKNOWN_MARKER" },
  { name: "recordset marker", hex: "0e", code: "ERR_AMF0_UNKNOWN_MARKER" },
  { name: "marker 0x12", hex: "12", code: "ERR_AMF0_UNKNOWN_MARKER" },
  { name: "object end at top level", hex: "09", code: "ERR_AMF0_UNEXPECTED_OBJECT_END" },
  { name: "objects nested 100 deep", hex: "03" + "00016103".repeat(100), code: "ERR_AMF0_TOO_DEEP" },
  { name: "strict arrays nested 100 deep", hex: "0a00000001".repeat(100) + "05", code: "ERR_AMF0_TOO_DEEP" },
];
