/** What ffmpeg says of a media file, for tests that check recordings and written files. */
import { execFile } from "node:child_process";

export interface DecodeOptions {
  /** lines of ffmpeg's error output the caller knows to be harmless */
  readonly ignore?: RegExp;
}

/**
 * What `ffmpeg -v error -i FILE -f null -` prints: empty when the file (or URL) decodes cleanly,
 * "(exit N)" added when ffmpeg fails.
 */
export function decodeErrors(file: string, options: DecodeOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const args = ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"];
    execFile("ffmpeg", args, { encoding: "utf8", maxBuffer: 16 << 20, timeout: 60000 }, (err, _stdout, stderr) => {
      const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !options.ignore?.test(l));
      if (err) lines.push(`(exit ${err.code ?? err.signal ?? "?"})`);
      resolve(lines.join("\n"));
    });
  });
}
