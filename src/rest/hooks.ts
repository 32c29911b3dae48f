/**
 * REST hooks: status events POSTed as JSON to `<rest_hook_url>/<method>` (WCS's callApp mechanism:
 * `StreamStatusEvent`, `CallStatusEvent`, ...). Events are fire and forget with a timeout and a
 * bounded number in flight, so a slow backend never holds media up; failures are logged, never
 * thrown. Direct invocations (`connect`, `publishStream`, `playStream`) wait for the backend, which
 * allows the action with 200 and refuses it with anything else. With `rest_hook_send_hash` the body
 * is signed: `Authorization: WCS <hex HMAC-MD5 of the body>`.
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
  private invoking = 0;
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
    const url = this.urlOf(method);
    this.inFlight++;
    this.send(url, body)
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

  /**
   * A direct invocation: true when hooks are off or the backend answers 200. Any other answer, no
   * answer within the timeout, or too many invocations waiting refuses (an operator who gates
   * access with a hook expects a broken backend to keep the gate shut).
   */
  async invoke(method: string, body: Record<string, unknown>): Promise<boolean> {
    if (!this.enabled) return true;
    const url = this.urlOf(method);
    if (this.invoking >= (this.options.maxInFlight ?? 64) * 4) {
      this.options.log.warn("REST hook refused the action: too many invocations waiting", { method });
      return false;
    }
    this.invoking++;
    try {
      const res = await this.send(url, body);
      await res.arrayBuffer();
      if (res.status === 200) return true;
      this.options.log.info("REST hook refused the action", { method, status: res.status });
      return false;
    } catch (err) {
      this.failed++;
      this.options.log.warn("REST hook failed: action refused", { method, url, error: err as Error });
      return false;
    } finally {
      this.invoking--;
    }
  }

  private urlOf(method: string): string {
    return this.options.baseUrl.replace(/\/$/, "") + "/" + method;
  }

  private send(url: string, body: Record<string, unknown>): Promise<Response> {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.secretKey) headers.authorization = "WCS " + createHmac("md5", this.options.secretKey).update(text).digest("hex");
    return fetch(url, { method: "POST", headers, body: text, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
  }
}
