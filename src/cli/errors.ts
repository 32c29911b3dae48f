/** The command line's error: arguments that cannot be run as given (exit code 2). */
import { TRANSPOND_ERR, TranspondError } from "../errors.ts";

export class UsageError extends TranspondError {
  constructor(message: string) {
    super(TRANSPOND_ERR.USAGE, message);
  }
}
