/** The tests' own helpers where a mistake would make other tests flaky (spec/support). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { freeTcpPort, portNotGivenBefore } from "./support/net.ts";

const test = suite("test support");

test("a port the kernel hands out again is not given to a second caller: the next one is", async () => {
  const kernel = [40529, 40529, 40057, 40529, 40061];
  const pick = async () => kernel.shift()!;
  const given = new Set<number>();
  const ports = [await portNotGivenBefore(pick, given), await portNotGivenBefore(pick, given), await portNotGivenBefore(pick, given)];
  assert.equal(ports, [40529, 40057, 40061]);
});

test("a kernel that only repeats ports gives an error, not a loop", async () => {
  const given = new Set([5000]);
  try {
    await portNotGivenBefore(async () => 5000, given);
    assert.unreachable("should have thrown");
  } catch (err) {
    assert.match((err as Error).message, /no port in 100 tries/);
  }
});

test("freeTcpPort: 300 calls in a row give 300 different ports (the kernel's random picks repeat one in most such series)", async () => {
  const ports = [];
  for (let i = 0; i < 300; i++) ports.push(await freeTcpPort());
  assert.is(new Set(ports).size, 300);
});

test.run();
