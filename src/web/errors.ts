/** The web layer's errors: bundling the pages with esbuild and linking their assets. */
import { TranspondError } from "../errors.ts";

export const WEB_ERR = {
  /** the page scripts could not be bundled, or a page names an asset that does not exist */
  BUNDLE: "ERR_WEB_BUNDLE",
} as const;

export class WebError extends TranspondError {}
