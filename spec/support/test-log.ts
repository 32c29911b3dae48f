/**
 * What outside programs (and the gateway's own log) said while a suite ran. Helpers that start a
 * program name its output here; spec/run.ts prints it under a failed suite's errors and drops it
 * when the suite passed.
 */
const TAIL_CHARS = 6000;

interface Source {
  readonly label: string;
  readonly read: () => string;
  last: string;
}

let sources: Source[] = [];

/** Keeps what `read` returns for the test log of the current suite (read when the suite ends). */
export function keepOutput(label: string, read: () => string): void {
  sources.push({ label, read, last: "" });
}

/**
 * Reads every source now: a read at the end of the suite may find a temp folder already removed by
 * an `after` hook, and then the last snapshot is printed instead (e2eSuite snapshots after each test).
 */
export function snapshotOutput(): void {
  for (const source of sources) {
    try {
      source.last = source.read();
    } catch {
      // a source whose file is gone keeps its previous snapshot
    }
  }
}

/** The kept output of the suite that just ended, the tail of each source, as one text; forgets it. */
export function takeOutput(): string {
  snapshotOutput();
  const text = sources
    .filter((s) => s.last.trim() !== "")
    .map((s) => `--- ${s.label} ---\n${tail(s.last)}`)
    .join("\n");
  sources = [];
  return text;
}

/** Drops the kept output (the suite passed). */
export function dropOutput(): void {
  sources = [];
}

function tail(text: string): string {
  const trimmed = text.trimEnd();
  if (trimmed.length <= TAIL_CHARS) return trimmed;
  const cut = trimmed.indexOf("\n", trimmed.length - TAIL_CHARS);
  return `[… ${trimmed.length - TAIL_CHARS} earlier characters left out]\n${trimmed.slice(cut + 1)}`;
}

/** Output of a pipe as text, or a note when it is media bytes rather than text. */
export function asText(output: string): string {
  return /[\u0000\ufffd]/.test(output) ? `[${output.length} characters of binary output]` : output;
}

let hookError: string | undefined;

/** Remembers why a suite's `before` hook failed (uvu itself drops the error). */
export function noteHookError(err: unknown): void {
  hookError ??= (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split("\n")[0];
}

export function takeHookError(): string | undefined {
  const error = hookError;
  hookError = undefined;
  return error;
}
