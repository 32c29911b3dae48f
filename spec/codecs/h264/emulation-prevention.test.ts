import { suite } from "uvu";
import * as assert from "uvu/assert";
import { addEmulationPrevention, removeEmulationPrevention } from "../../../src/codecs/h264/emulation-prevention.ts";
import { FLV_1080P, FLV_BBB } from "../../flv/flv-fixtures.ts";
import { avcFromFlv } from "./h264-samples.ts";

const test = suite("codecs/h264/emulation-prevention");

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));

// { name, nal (escaped), rbsp }
const cases: { name: string; nal: string; rbsp: string }[] = [
  { name: "no zeros", nal: "67 42 c0 1f", rbsp: "67 42 c0 1f" },
  { name: "00 00 03 00", nal: "67 00 00 03 00 01", rbsp: "67 00 00 00 01" },
  { name: "00 00 03 03 (an escaped 03)", nal: "00 00 03 03", rbsp: "00 00 03" },
  { name: "two in a row: 00 00 03 00 00 03 01", nal: "00 00 03 00 00 03 01", rbsp: "00 00 00 00 01" },
  { name: "00 00 03 at the very end (cabac_zero_word)", nal: "65 00 00 03", rbsp: "65 00 00" },
  { name: "a single 00 before 03 is kept", nal: "65 00 03 00", rbsp: "65 00 03 00" },
];

for (const c of cases) {
  test(`removing emulation prevention: ${c.name}`, () => {
    const nal = h(c.nal);
    const copy = nal.slice();
    assert.equal(removeEmulationPrevention(nal), h(c.rbsp));
    assert.equal(nal, copy, "input unchanged");
  });
}

// A trailing 00 00 needs no escape (nothing follows it), so that case is not symmetric.
for (const c of cases.filter((x) => !x.name.includes("cabac_zero_word"))) {
  test(`adding emulation prevention gives the escaped form back: ${c.name}`, () => {
    assert.equal(addEmulationPrevention(h(c.rbsp)), h(c.nal));
  });
}

test("the 1080p SPS loses its two 03 bytes; the Baseline SPS is returned as is", () => {
  const hi = avcFromFlv(FLV_1080P).sps;
  assert.is(removeEmulationPrevention(hi).length, hi.length - 2);
  const bbb = avcFromFlv(FLV_BBB).sps;
  assert.is(removeEmulationPrevention(bbb), bbb);
});

test("every slice NAL unit of the 1080p fixture survives remove-then-add byte for byte", () => {
  let changed = 0;
  for (const au of avcFromFlv(FLV_1080P).accessUnits) {
    for (const nal of au) {
      const rbsp = removeEmulationPrevention(nal);
      if (rbsp !== nal) changed++;
      assert.equal(addEmulationPrevention(rbsp), nal);
    }
  }
  assert.ok(changed > 0, "some slices carry emulation prevention bytes");
});

test.run();
