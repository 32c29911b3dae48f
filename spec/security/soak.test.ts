/**
 * The short soak (bench/soak.ts) in the test run: 4 s of publishers, second publishers and
 * transponders joining and leaving plus WebSocket sessions and SIP calls to a SIPp UAS. No unexplained errors, and the open
 * descriptors are back to the idle count once the load and the server are gone.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runSoak } from "../../bench/soak.ts";

const test = suite("security/soak");

test("4 s of join/leave: no errors, descriptors back to idle", async () => {
  const result = await runSoak({ durationMs: 4000, concurrency: 3, calls: 1, sampleMs: 1000 });
  assert.ok(result.cycles >= 3, `cycles ${result.cycles}`);
  assert.ok(result.calls >= 1, `calls ${result.calls}`);
  assert.equal(result.errors, {});
  assert.ok(result.finalFds <= result.idleFds, `descriptors ${result.idleFds} -> ${result.finalFds}`);
});

test.run();
