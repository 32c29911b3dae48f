/**
 * Seeded fuzzing for parsers (house style 8). Everything is deterministic: the same seed gives the
 * same mutations on every machine, so a failure is replayed by its seed, and failing inputs are saved
 * to fixtures/fuzz/<target>/ and replayed first on every later run.
 *
 *   mutate(seed, bytes, other?)        one mutated copy (1..4 of: bit flip, byte set, truncation,
 *                                      length-field bump, splice with `other`, duplicated range,
 *                                      deleted range, inserted random bytes); the input is not changed
 *   mutations(seed, count, inputs)     `count` mutated cases over the inputs
 *   runFuzz(target, options)           runs `check` on each case; only ParseError may escape
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { concatBytes } from "../../src/codecs/bytes.ts";
import { ParseError } from "../../src/errors.ts";

/** mulberry32: a small, fast, seedable PRNG. Returns uint32 values. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `n` seeded random bytes. */
export function seededBytes(seed: number, n: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

export type MutationKind = "flip" | "set" | "truncate" | "bump" | "splice" | "duplicate" | "delete" | "insert";
const KINDS: readonly MutationKind[] = ["flip", "set", "truncate", "bump", "splice", "duplicate", "delete", "insert"];

function applyOne(next: () => number, b: Uint8Array, kind: MutationKind, other: Uint8Array | undefined): Uint8Array {
  const n = b.length;
  const pos = n === 0 ? 0 : next() % n;
  switch (kind) {
    case "flip": {
      if (n === 0) return b;
      const c = b.slice();
      c[pos]! ^= 1 << (next() % 8);
      return c;
    }
    case "set": {
      if (n === 0) return b;
      const c = b.slice();
      c[pos] = [0x00, 0xff, 0x7f, 0x80, 0x01, next() & 0xff][next() % 6]!;
      return c;
    }
    case "truncate":
      return b.slice(0, pos);
    case "bump": {
      // treat 1..4 bytes at pos as a big-endian length and change it by a small or large step
      if (n === 0) return b;
      const c = b.slice();
      const width = 1 + (next() % Math.min(4, n - pos));
      let v = 0;
      for (let i = 0; i < width; i++) v = v * 256 + c[pos + i]!;
      const steps = [1, -1, 2, -2, 16, 255, 0x10000, 0x1000000, -v];
      v = Math.max(0, v + steps[next() % steps.length]!) % 2 ** (8 * width);
      for (let i = width - 1; i >= 0; i--) {
        c[pos + i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      return c;
    }
    case "splice": {
      const src = other ?? b;
      if (src.length === 0) return b;
      const from = next() % src.length;
      const len = 1 + (next() % Math.min(256, src.length - from));
      return concatBytes([b.subarray(0, pos), src.subarray(from, from + len), b.subarray(pos)]);
    }
    case "duplicate": {
      if (n === 0) return b;
      const len = 1 + (next() % Math.min(256, n - pos));
      return concatBytes([b.subarray(0, pos + len), b.subarray(pos, pos + len), b.subarray(pos + len)]);
    }
    case "delete": {
      if (n === 0) return b;
      const len = 1 + (next() % Math.min(64, n - pos));
      return concatBytes([b.subarray(0, pos), b.subarray(pos + len)]);
    }
    case "insert": {
      const len = 1 + (next() % 16);
      const r = new Uint8Array(len);
      for (let i = 0; i < len; i++) r[i] = next() & 0xff;
      return concatBytes([b.subarray(0, pos), r, b.subarray(pos)]);
    }
  }
}
/** A mutated copy of `bytes` (never changes `bytes`); `other` is the splice source. */
export function mutate(seed: number, bytes: Uint8Array, other?: Uint8Array): Uint8Array {
  const next = prng(seed);
  let b = bytes;
  const count = 1 + (next() % 4);
  for (let i = 0; i < count; i++) b = applyOne(next, b, KINDS[next() % KINDS.length]!, other);
  return b === bytes ? bytes.slice() : b;
}

export interface FuzzCase {
  /** the seed to pass to mutate() to get `bytes` again */
  readonly seed: number;
  /** index of the input it came from */
  readonly input: number;
  readonly bytes: Uint8Array;
}

/** `count` cases over `inputs`, round robin, splicing each with the next input. */
export function* mutations(seed: number, count: number, inputs: readonly Uint8Array[]): Generator<FuzzCase> {
  const next = prng(seed);
  for (let i = 0; i < count; i++) {
    const input = i % inputs.length;
    const caseSeed = next();
    yield { seed: caseSeed, input, bytes: mutate(caseSeed, inputs[input]!, inputs[(input + 1) % inputs.length]) };
  }
}

export interface FuzzOptions {
  readonly seed: number;
  readonly count: number;
  readonly inputs: readonly Uint8Array[];
  /** runs the code under test; may throw ParseError */
  readonly check: (bytes: Uint8Array) => void;
}

export interface FuzzReport {
  readonly cases: number;
  /** ParseError codes seen, with counts */
  readonly codes: ReadonlyMap<string, number>;
  readonly accepted: number;
}

const FUZZ_DIR = resolve(import.meta.dirname, "../../fixtures/fuzz");

/**
 * Replays fixtures/fuzz/<target>/*.bin, then runs `count` seeded cases. Anything thrown other than
 * a ParseError saves the input to fixtures/fuzz/<target>/ and fails with the seed in the message.
 */
export function runFuzz(target: string, options: FuzzOptions): FuzzReport {
  const codes = new Map<string, number>();
  let accepted = 0;
  const dir = resolve(FUZZ_DIR, target);
  const saved = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".bin")).sort() : [];
  const run = (bytes: Uint8Array, label: string, save: string | undefined): void => {
    try {
      options.check(bytes);
      accepted++;
    } catch (err) {
      if (err instanceof ParseError) {
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
        return;
      }
      if (save !== undefined) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(resolve(dir, save), bytes);
      }
      throw new Error(`fuzz ${target}: ${label} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    }
  };
  for (const f of saved) run(new Uint8Array(readFileSync(resolve(dir, f))), `saved input ${f}`, undefined);
  let cases = saved.length;
  for (const c of mutations(options.seed, options.count, options.inputs)) {
    run(c.bytes, `case seed ${c.seed} (input ${c.input})`, `seed-${c.seed}.bin`);
    cases++;
  }
  return { cases, codes, accepted };
}
