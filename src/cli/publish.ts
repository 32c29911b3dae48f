/**
 * `transpond publish FILE.flv URL [--loop] [--insecure]`: checks the file before connecting, shows
 * progress while sending (one updating line on a terminal, a line every few seconds otherwise) and
 * ends with what was sent. Exit codes: 0 finished, 1 connection or server trouble, 2 usage or a file
 * that cannot be published, 130 interrupted (Ctrl-C: unpublished cleanly first).
 */
import { errorMessage } from "../errors.ts";
import type { FilePublishResult } from "../rtmp/client/file-publisher.ts";

export const PUBLISH_EXIT = { FINISHED: 0, FAILED: 1, BAD_FILE: 2, INTERRUPTED: 130 } as const;

/** ms between progress lines when stdout is not a terminal (a log file, a CI job) */
const LINE_INTERVAL_MS = 5000;
/** ms between rewrites of the progress line on a terminal */
const TTY_INTERVAL_MS = 250;

export interface PublishCommand {
  readonly file: string;
  readonly url: string;
  readonly loop: boolean;
  readonly verifyTls: boolean;
  readonly flashVer: string;
}

/** m:ss.s, e.g. 0:04.5 and 12:03.0 */
export function mediaTime(ms: number): string {
  const tenths = Math.round(ms / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = (tenths % 600) / 10;
  return `${minutes}:${seconds.toFixed(1).padStart(4, "0")}`;
}

function bitrate(bytes: number, ms: number): string {
  if (ms <= 0) return "- kb/s";
  const kbps = (bytes * 8) / ms;
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(2)} Mb/s` : `${kbps.toFixed(0)} kb/s`;
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

function progressText(sent: Readonly<FilePublishResult>, durationMs: number, loop: boolean): string {
  const of = loop ? `looping a ${mediaTime(durationMs)} file` : `of ${mediaTime(durationMs)}`;
  return `sent ${mediaTime(sent.lastTimestamp)} ${of}, ${bitrate(sent.bytes, sent.lastTimestamp)}`;
}

function summaryText(sent: Readonly<FilePublishResult>, durationMs: number, wallMs: number): string {
  return `${mediaTime(sent.lastTimestamp)} of ${mediaTime(durationMs)} sent in ${(wallMs / 1000).toFixed(1)} s: ${size(sent.bytes)}, ${sent.frames} frames, ${bitrate(sent.bytes, sent.lastTimestamp)} average`;
}

/** Why a file cannot be published, in the words of someone who typed its name. */
function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied (the file is not readable)";
  if (code === "EISDIR") return "this is a folder, not an FLV file";
  return errorMessage(err);
}

export async function publishCommand(command: PublishCommand): Promise<number> {
  const { inspectFlvFile, publishFlvFile } = await import("../rtmp/client/file-publisher.ts");
  const { parseRtmpTarget, displayUrl } = await import("../rtmp/client/url.ts");
  const { RtmpPublisher } = await import("../rtmp/client/publisher.ts");
  let durationMs: number;
  try {
    durationMs = inspectFlvFile(command.file).durationMs;
  } catch (err) {
    console.error(`transpond: cannot publish ${command.file}: ${fileProblem(err)} (nothing was sent; publish takes an FLV file, e.g. from ffmpeg -c copy -f flv)`);
    return PUBLISH_EXIT.BAD_FILE;
  }
  const target = parseRtmpTarget(command.url, { fullUrl: true });
  const publisher = new RtmpPublisher(target, { flashVer: command.flashVer, verifyTls: command.verifyTls });
  const abort = new AbortController();
  const interrupt = () => {
    // Nothing is published while connecting, so there is nothing to unpublish: leave at once.
    if (publisher.state !== "publishing") process.exit(PUBLISH_EXIT.INTERRUPTED);
    abort.abort();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  console.log(`publishing ${command.file} (${mediaTime(durationMs)}) to ${displayUrl(command.url)}`);
  await publisher.start();
  const started = performance.now();
  const progress = new ProgressPrinter((sent) => progressText(sent, durationMs, command.loop));
  let sent: Readonly<FilePublishResult> = { tags: 0, frames: 0, bytes: 0, loops: 0, lastTimestamp: 0 };
  try {
    sent = await publishFlvFile(publisher, command.file, { loop: command.loop, signal: abort.signal, onProgress: (s) => progress.update((sent = s)) });
  } catch (err) {
    progress.end();
    console.error(`transpond: publishing stopped after ${mediaTime(sent.lastTimestamp)}: ${errorMessage(err)}`);
    console.log(`stopped: ${summaryText(sent, durationMs, performance.now() - started)}`);
    return PUBLISH_EXIT.FAILED;
  } finally {
    await publisher.stop();
  }
  progress.end();
  const wallMs = performance.now() - started;
  if (abort.signal.aborted) {
    console.log(`interrupted after ${(wallMs / 1000).toFixed(1)} s: ${summaryText(sent, durationMs, wallMs)}`);
    return PUBLISH_EXIT.INTERRUPTED;
  }
  console.log(`finished: ${summaryText(sent, durationMs, wallMs)}`);
  return PUBLISH_EXIT.FINISHED;
}

/** One line rewritten in place on a terminal; a new line every LINE_INTERVAL_MS otherwise. */
class ProgressPrinter {
  private readonly tty = process.stdout.isTTY === true;
  private last = performance.now();
  private shown = false;

  constructor(private readonly text: (sent: Readonly<FilePublishResult>) => string) {}

  update(sent: Readonly<FilePublishResult>): void {
    const now = performance.now();
    if (now - this.last < (this.tty ? TTY_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.last = now;
    if (this.tty) {
      process.stdout.write(`\r${this.text(sent)}\x1b[K`);
      this.shown = true;
    } else console.log(this.text(sent));
  }

  /** Ends the rewritten line so the summary starts on its own line. */
  end(): void {
    if (this.shown) process.stdout.write("\n");
    this.shown = false;
  }
}
