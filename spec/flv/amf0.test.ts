import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { Amf0EcmaArray, decodeAmf0, decodeAmf0All, encodeAmf0 } from "../../src/flv/amf0.ts";
import { fixture } from "../support/fixtures.ts";
import { runFuzz } from "../support/fuzz.ts";
import { AMF0_BAD, AMF0_CASES } from "./amf0.cases.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const decode = suite("amf0 decode");
for (const c of AMF0_CASES) {
  decode(`decodes ${c.name}`, () => {
    const bytes = hex(c.hex);
    const copy = bytes.slice();
    const { value, end } = decodeAmf0(bytes);
    assert.equal(value, c.value);
    assert.is(end, bytes.length, "uses every byte");
    assert.equal(bytes, copy, "input unchanged");
  });
}
decode("decodes a value at an offset and reports where it ends", () => {
  const bytes = hex("05" + "0101" + "06");
  assert.equal(decodeAmf0(bytes, 1), { value: true, end: 3 });
  assert.equal(decodeAmf0All(bytes), [null, true, undefined]);
});
decode("keeps a property named __proto__ as an ordinary property", () => {
  const bytes = hex("03" + "0009" + Buffer.from("__proto__").toString("hex") + "0101" + "000009");
  const { value } = decodeAmf0(bytes);
  assert.is(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(Object.keys(value as object), ["__proto__"]);
});
for (const c of AMF0_BAD) {
  decode(`rejects ${c.name} with ${c.code}`, () => {
    try {
      decodeAmf0(hex(c.hex));
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, c.code);
      return;
    }
    assert.unreachable("no error");
  });
}
decode("says AMF3 is not supported and how to avoid it", () => {
  try {
    decodeAmf0(hex("11"));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /AMF3.*objectEncoding 0/);
  }
});
decode("decodes FFmpeg 4.4's connect command as the capture index documents it", () => {
  // rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin: the connect body starts right after the
  // handshake (1 + 2 * 1536 bytes) and a 12-byte fmt 0 chunk header; chunk size 128 splits it, so
  // collect the 128-byte pieces and skip the 1-byte fmt 3 headers.
  const bytes = new Uint8Array(readFileSync(fixture("rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin")));
  const start = 1 + 3072;
  const length = (bytes[start + 4]! << 16) | (bytes[start + 5]! << 8) | bytes[start + 6]!;
  const pieces: Uint8Array[] = [];
  let at = start + 12;
  for (let left = length; left > 0; ) {
    const take = Math.min(128, left);
    pieces.push(bytes.subarray(at, at + take));
    at += take + 1;
    left -= take;
  }
  const [name, tid, obj] = decodeAmf0All(Buffer.concat(pieces));
  assert.is(name, "connect");
  assert.is(tid, 1);
  const o = obj as Record<string, unknown>;
  assert.is(o.flashVer, "LNX 9,0,124,2");
  assert.is(o.fpad, false);
  assert.is(o.capabilities, 15);
  assert.is(o.audioCodecs, 4071);
  assert.is(o.videoCodecs, 252);
  assert.is(o.videoFunction, 1);
});

const encode = suite("amf0 encode");
for (const c of AMF0_CASES.filter((c) => c.encodes !== false)) {
  encode(`encodes ${c.name}`, () => {
    assert.is(toHex(encodeAmf0([c.value])), c.hex);
  });
}
encode("encodes plain JS values: numbers, strings, booleans, null, undefined, arrays and objects", () => {
  const bytes = encodeAmf0(["publish", 5, null, "stream", "live", { a: [true, undefined] }]);
  assert.equal(decodeAmf0All(bytes), ["publish", 5, null, "stream", "live", { a: [true, undefined] }]);
});
encode("keeps an ECMA array an ECMA array through encode and decode", () => {
  const v = new Amf0EcmaArray({ width: 1280, height: 720, encoder: "obs-output module (libobs version 27.1.3)" });
  const back = decodeAmf0(encodeAmf0([v])).value;
  assert.instance(back, Amf0EcmaArray);
  assert.equal(back, v);
});
encode("refuses to encode values nested deeper than the decoder accepts", () => {
  let v: unknown = 1;
  for (let i = 0; i < 100; i++) v = [v];
  assert.throws(() => encodeAmf0([v as number]), /deeper/);
});

const fuzz = suite("amf0 fuzz");
fuzz("only ParseError escapes 3000 seeded mutations of the case table, and what decodes re-encodes stably", () => {
  const inputs = AMF0_CASES.filter((c) => c.hex.length < 1000).map((c) => hex(c.hex));
  const report = runFuzz("amf0", {
    seed: 0xa3f0,
    count: 3000,
    inputs,
    check: (bytes) => {
      const values = decodeAmf0All(bytes);
      const again = decodeAmf0All(encodeAmf0(values));
      assert.equal(again.length, values.length);
      assert.is(toHex(encodeAmf0(again)), toHex(encodeAmf0(values)));
    },
  });
  assert.ok(report.accepted > 100, `some mutations decode (${report.accepted})`);
  assert.ok(report.codes.size >= 3, `several error codes seen: ${[...report.codes.keys()].join(", ")}`);
});

decode.run();
encode.run();
fuzz.run();
