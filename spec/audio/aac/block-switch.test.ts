import { suite } from "uvu";
import * as assert from "uvu/assert";
import { detectAttack, nextSequence, shortGroups } from "../../../src/audio/aac/block-switch.ts";
import { WindowSequence } from "../../../src/audio/aac/windows.ts";

const test = suite("aac block switching");
const { ONLY_LONG: L, LONG_START: START, EIGHT_SHORT: SHORT, LONG_STOP: STOP } = WindowSequence;

const cases: [string, WindowSequence, boolean, boolean, WindowSequence][] = [
  ["long stays long", L, false, false, L],
  ["long before a transient starts", L, false, true, START],
  ["start goes short", START, true, false, SHORT],
  ["start goes short even when the attack moved on", START, false, false, STOP],
  ["short stays short for a second transient", SHORT, true, true, SHORT],
  ["short with another transient next stays short", SHORT, false, true, SHORT],
  ["short ends with stop", SHORT, false, false, STOP],
  ["stop goes back to long", STOP, false, false, L],
  ["stop can start again", STOP, false, true, START],
];
for (const [name, prev, now, next, want] of cases) {
  test(`window sequence: ${name}`, () => assert.is(nextSequence(prev, now, next), want));
}

test("every sequence the state machine produces overlaps its predecessor with matching slopes", () => {
  const legal: Record<number, number[]> = { [L]: [L, START], [START]: [SHORT, STOP], [SHORT]: [SHORT, STOP], [STOP]: [L, START] };
  let prev: WindowSequence = L;
  let seed = 3;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const next = nextSequence(prev, (seed & 8) !== 0, (seed & 16) !== 0);
    assert.ok(legal[prev]!.includes(next), `${prev} -> ${next}`);
    prev = next;
  }
});

function block(clickAt: number): Float32Array {
  const x = new Float32Array(2048);
  for (let n = 0; n < x.length; n++) x[n] = 300 * Math.sin(n * 0.05);
  for (let n = clickAt; n < clickAt + 40 && n < x.length; n++) x[n] = 30000 * Math.sin(n * 1.3);
  return x;
}

test("an attack is found in the short window where it happens", () => {
  assert.is(detectAttack(block(448 + 128 * 3 + 20), 0, 32768), 3);
  assert.is(detectAttack(block(448 + 10), 0, 32768), 0);
});

test("a steady tone and silence are not attacks", () => {
  assert.is(detectAttack(block(5000), 0, 32768), -1);
  assert.is(detectAttack(new Float32Array(2048), 0, 32768), -1);
});

test("short windows are grouped around the attack", () => {
  assert.equal(shortGroups(3), [3, 1, 4]);
  assert.equal(shortGroups(0), [1, 7]);
  assert.equal(shortGroups(7), [7, 1]);
  assert.equal(shortGroups(-1), [4, 4]);
  for (let a = -1; a < 8; a++) assert.is(shortGroups(a).reduce((s, n) => s + n, 0), 8);
});

test.run();
