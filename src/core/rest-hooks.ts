/**
 * REST hooks: status events POSTed as JSON to `<rest_hook_url>/<method>` (WCS's callApp mechanism:
 * `StreamStatusEvent`, `CallStatusEvent`, ...). Fire and forget with a timeout and a bounded number
 * in flight, so a slow backend never holds media up; failures are logged, never thrown. With
 * `rest_hook_send_hash` the body is signed: `Authorization: WCS <hex HMAC-MD5 of the body>`.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "../log.ts";

export interface RestHookOptions {
  readonly baseUrl: string;
  readonly secretKey?: string;
  readonly log: Logger;
  readonly timeoutMs?: number;
  readonly maxInFlight?: number;
}

export class RestHooks {
  private readonly options: RestHookOptions;
  private inFlight = 0;
  dropped = 0;
  failed = 0;
  sent = 0;

  constructor(options: RestHookOptions) {
    this.options = options;
  }

  get enabled(): boolean {
    return this.options.baseUrl !== "";
  }

  post(method: string, body: Record<string, unknown>): void {
    if (!this.enabled) return;
    if (this.inFlight >= (this.options.maxInFlight ?? 64)) {
      this.dropped++;
      this.options.log.warn("REST hook dropped: too many in flight", { method });
      return;
    }
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.secretKey) headers.authorization = "WCS " + createHmac("md5", this.options.secretKey).update(text).digest("hex");
    const url = this.options.baseUrl.replace(/\/$/, "") + "/" + method;
    this.inFlight++;
    fetch(url, { method: "POST", headers, body: text, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        this.sent++;
      })
      .catch((err: unknown) => {
        this.failed++;
        this.options.log.warn("REST hook failed", { method, url, error: err as Error });
      })
      .finally(() => this.inFlight--);
  }
}
