/**
 * Chromium's decodeAudioData accepts our ADTS file (issue 3: "no errors from Chromium's
 * decodeAudioData on an ADTS file") and gets the signal back.
 */
import * as assert from "uvu/assert";
import { chromium, type Browser } from "playwright-core";
import { e2eSuite } from "../../support/e2e.ts";
import { adtsStream, bestLag, encodeAll, snrDb } from "./support.ts";

const test = e2eSuite("aac in chromium", ["chromium"]);
let browser: Browser | undefined;

test.before(async () => {
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"] });
});
test.after(async () => {
  await browser?.close();
});

test("decodeAudioData decodes a 48 kHz stereo ADTS file of ours without error", async () => {
  const rate = 48000;
  const pcm = new Float32Array(rate * 2);
  for (let i = 0; i < rate; i++) {
    pcm[2 * i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate) * Math.min(1, i / 2000);
    pcm[2 * i + 1] = 0.3 * Math.sin((2 * Math.PI * 1500 * i) / rate) * Math.min(1, i / 2000);
  }
  const opts = { sampleRate: rate, channels: 2, bitrate: 128000 } as const;
  const adts = adtsStream(encodeAll(pcm, opts), opts);
  const page = await browser!.newPage();
  try {
    const result = await page.evaluate(async (b64: string) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const ctx = new OfflineAudioContext(2, 48000, 48000);
      try {
        const buf = await ctx.decodeAudioData(bytes.buffer);
        return { error: "", channels: buf.numberOfChannels, rate: buf.sampleRate, left: Array.from(buf.getChannelData(0)), right: Array.from(buf.getChannelData(1)) };
      } catch (err) {
        return { error: String(err), channels: 0, rate: 0, left: [] as number[], right: [] as number[] };
      }
    }, Buffer.from(adts).toString("base64"));
    assert.is(result.error, "");
    assert.is(result.channels, 2);
    assert.is(result.rate, 48000);
    const decoded = new Float32Array(result.left.length * 2);
    result.left.forEach((v, i) => {
      decoded[2 * i] = v;
      decoded[2 * i + 1] = result.right[i]!;
    });
    const lag = bestLag(pcm, decoded, 2);
    const snr = snrDb(pcm.subarray(0, (result.left.length - lag) * 2), decoded, 2, lag);
    assert.ok(snr > 30, `SNR ${snr.toFixed(1)} dB at lag ${lag}`);
  } finally {
    await page.close();
  }
});

test.run();
