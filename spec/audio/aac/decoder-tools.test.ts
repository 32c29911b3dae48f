/**
 * The AAC-LC decoder against FFmpeg's own decoder with the coding tools ffmpeg's `aac` leaves off by
 * default (PNS, TNS, intensity stereo), at every rate of 8 to 48 kHz, mono and stereo: our PCM
 * matches ffmpeg's decoder output at 80 dB SNR or more, with no error frame.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2eSuite } from "../../support/e2e.ts";
import { ffmpegEncodeAdts, matchesFfmpeg, RATES, signals } from "./decoder-support.ts";

const test = e2eSuite("aac decoder with ffmpeg's coding tools", ["ffmpeg"]);

let dir = "";
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "aac-decoder-tools-"));
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("ffmpeg's coding tools (PNS, TNS, intensity stereo) at every rate, mono and stereo, decode as ffmpeg's decoder does", () => {
  // ffmpeg's default coder (the first test) is twoloop; these turn on the tools it leaves off
  const tools: Record<string, string[]> = {
    pns: ["-aac_pns", "1", "-b:a", "48k"],
    tns: ["-aac_tns", "1", "-b:a", "48k"],
    is: ["-aac_is", "1", "-b:a", "64k"],
  };
  const all = signals(dir);
  const picked = Object.entries(all).filter(([name]) => name === "music" || name === "speech" || name === "clicks");
  for (const [name, input] of picked) {
    for (const [tool, args] of Object.entries(tools)) {
      for (const rate of RATES) {
        for (const channels of [1, 2]) {
          if (tool === "is" && channels === 1) continue;
          matchesFfmpeg(`${name} ${tool} ${rate} Hz ${channels} ch`, ffmpegEncodeAdts(input, rate, channels, [...args, "-t", "1"]));
        }
      }
    }
  }
});

test.run();
