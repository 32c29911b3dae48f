import * as assert from "uvu/assert";
import { decodeG711, decodeG711Float, encodeG711, encodeG711Float, g711SilenceByte } from "../../src/audio/g711.ts";
import { int16FromLeBytes, int16ToLeBytes } from "../../src/audio/pcm.ts";
import { e2eSuite } from "../support/e2e.ts";
import { ffmpeg } from "./support/ffmpeg.ts";
import { suite } from "uvu";

const unit = suite("audio/g711");

unit("decodes the A-law and µ-law codes of digital silence to zero", () => {
  assert.equal(Array.from(decodeG711("PCMA", new Uint8Array([0xd5, 0x55]))), [8, -8]);
  assert.equal(Array.from(decodeG711("PCMU", new Uint8Array([0xff, 0x7f]))), [0, 0]);
  assert.is(g711SilenceByte("PCMA"), 0xd5);
  assert.is(g711SilenceByte("PCMU"), 0xff);
});

unit("reaches the G.711 full-scale levels 32256 (A-law) and 32124 (µ-law)", () => {
  assert.equal(Array.from(decodeG711("PCMA", new Uint8Array([0xaa, 0x2a]))), [32256, -32256]);
  assert.equal(Array.from(decodeG711("PCMU", new Uint8Array([0x80, 0x00]))), [32124, -32124]);
});

unit("re-encodes every decoded level to the same code (except µ-law's negative zero)", () => {
  for (const law of ["PCMA", "PCMU"] as const) {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const back = encodeG711(law, decodeG711(law, codes));
    for (let c = 0; c < 256; c++) {
      if (law === "PCMU" && c === 0x7f) assert.is(back[c], 0xff);
      else assert.is(back[c], c, `${law} code ${c}`);
    }
  }
});

unit("encodes float samples the way it encodes their 16-bit rounding, saturating outside -1..1", () => {
  const f = new Float32Array([0, 0.5, -0.5, 1.5, -1.5, 1e-5]);
  const i16 = new Int16Array([0, 16384, -16384, 32767, -32768, 0]);
  for (const law of ["PCMA", "PCMU"] as const) {
    assert.equal(encodeG711Float(law, f), encodeG711(law, i16));
    const back = decodeG711Float(law, encodeG711Float(law, f));
    assert.ok(Math.abs(back[1]! - 0.5) < 0.02);
  }
});

unit.run();

const real = e2eSuite("audio/g711 against ffmpeg", ["ffmpeg"]);

real("decodes all 256 codes of both laws exactly as ffmpeg pcm_alaw/pcm_mulaw", () => {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const [law, fmt] of [["PCMA", "alaw"], ["PCMU", "mulaw"]] as const) {
    const theirs = int16FromLeBytes(ffmpeg(["-f", fmt, "-ar", "8000", "-ac", "1", "-i", "-", "-f", "s16le", "-"], codes));
    assert.equal(Array.from(decodeG711(law, codes)), Array.from(theirs), law);
  }
});

real("encodes all 65536 16-bit inputs to the same bytes as ffmpeg", () => {
  const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  for (const [law, fmt] of [["PCMA", "alaw"], ["PCMU", "mulaw"]] as const) {
    const theirs = ffmpeg(["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "-", "-f", fmt, "-"], int16ToLeBytes(all));
    const ours = encodeG711(law, all);
    let diff = 0;
    for (let i = 0; i < 65536; i++) if (ours[i] !== theirs[i]) diff++;
    assert.is(theirs.length, 65536);
    assert.is(diff, 0, `${law}: ${diff} inputs differ`);
  }
});

real("encodes an ffmpeg sine sweep plus noise to the same bytes as ffmpeg", () => {
  const pcm = ffmpeg(["-f", "lavfi", "-i", "aevalsrc=0.6*sin(2*PI*(100+1900*t)*t)+0.2*(random(0)-0.5):s=8000:d=2", "-f", "s16le", "-ac", "1", "-"]);
  const samples = int16FromLeBytes(pcm);
  for (const [law, fmt] of [["PCMA", "alaw"], ["PCMU", "mulaw"]] as const) {
    const theirs = ffmpeg(["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "-", "-f", fmt, "-"], pcm);
    assert.equal(encodeG711(law, samples), theirs, law);
  }
});

real.run();
