import * as assert from "uvu/assert";
import { TranspondError } from "../../src/errors.ts";

/**
 * Runs `fn`, which must throw an instance of `type` (TranspondError by default) with `code`;
 * returns the error for further checks.
 */
export function expectErrorCode<E extends TranspondError>(fn: () => unknown, code: string, type: abstract new (...args: never[]) => E = TranspondError as never): E {
  try {
    fn();
  } catch (err) {
    assert.instance(err, type);
    assert.is((err as E).code, code);
    return err as E;
  }
  throw new assert.Assertion({ message: `expected ${type.name} ${code}, nothing was thrown`, generated: true, operator: "throws", expects: code, actual: "" });
}
