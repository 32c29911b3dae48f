import { suite } from "uvu";
import * as assert from "uvu/assert";
import { dequantize, MAX_QUANT, minScalefactor, pow34, quantizeBand } from "../../../src/audio/aac/quantize.ts";

const test = suite("aac quantizer");

test("quantizing then dequantizing stays within half a step in the 3/4-power domain", () => {
  const x = Float64Array.from({ length: 64 }, (_, i) => (i % 2 ? -1 : 1) * (i * 37.5 + 0.3));
  const x34 = new Float64Array(64);
  pow34(x, x34, 64);
  const q = new Int32Array(64);
  for (const sf of [80, 100, 120]) {
    quantizeBand(x, x34, 0, 64, sf, q);
    for (let i = 0; i < 64; i++) {
      const back = dequantize(q[i]!, sf);
      const step = 2 ** ((sf - 100) / 4);
      const y = (Math.abs(x[i]!) / step) ** 0.75;
      const yBack = (Math.abs(back) / step) ** 0.75;
      assert.ok(Math.abs(y - yBack) <= 0.6, `sf ${sf} x ${x[i]} -> ${q[i]}`);
      if (q[i] !== 0) assert.is(Math.sign(q[i]!), Math.sign(x[i]!));
    }
  }
});

test("the smallest scalefactor keeps the largest value within 8191", () => {
  for (const big of [1, 1e3, 1e6, 6e7, 1.3e8]) {
    const x = [big];
    const x34 = new Float64Array(1);
    pow34(x, x34, 1);
    const sf = minScalefactor(x34[0]!);
    const q = new Int32Array(1);
    assert.ok(quantizeBand(x, x34, 0, 1, sf, q) <= MAX_QUANT);
    if (sf > 0) {
      const max = Math.floor(x34[0]! * 2 ** ((-3 / 16) * (sf - 1 - 100)) + 0.4054);
      assert.ok(max > MAX_QUANT || sf === 0, `sf ${sf} is not the smallest for ${big}`);
    }
  }
});

test.run();
