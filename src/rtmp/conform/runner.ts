/**
 * Runs scenarios one after the other against one server. Each gets fresh connections (closed after
 * it, whatever happened) and fresh stream names; a scenario that throws or runs past its time limit
 * fails with the reason, and the next one runs.
 */
import { randomBytes } from "node:crypto";
import { errorMessage, TRANSPOND_ERR } from "../../errors.ts";
import { parseRtmpTarget, type RtmpTarget } from "../client/url.ts";
import { RawClient } from "./raw-client.ts";
import { fail, type ConformTarget, type Outcome, type Scenario, type ScenarioContext, type ScenarioResult } from "./scenario.ts";
import { RtmpError } from "../errors.ts";

export interface RunOptions {
  /** ms to wait for one answer of the server; default 5000 */
  readonly timeoutMs?: number;
  /** run only these ids (case-insensitive; a prefix like "HS" selects a group) */
  readonly only?: readonly string[];
  /** called after each scenario (the CLI prints as results come) */
  readonly onResult?: (result: ScenarioResult) => void;
}

/** `rtmp://host[:port]/app[/instance]` as a conformance target (no stream name in the URL); a bad URL is a usage error. */
export function parseConformTarget(url: string): ConformTarget {
  let t: RtmpTarget;
  try {
    t = parseRtmpTarget(url, { streamName: "conform" });
  } catch (err) {
    throw new RtmpError(TRANSPOND_ERR.USAGE, errorMessage(err), { cause: err });
  }
  if (t.secure) throw new RtmpError(TRANSPOND_ERR.USAGE, "conform speaks plain rtmp:// only (put a TLS terminator's plain port in the URL)");
  return { host: t.host, port: t.port, app: t.app, tcUrl: t.tcUrl };
}

export function selectScenarios(all: readonly Scenario[], only: readonly string[] | undefined): Scenario[] {
  if (!only || only.length === 0) return [...all];
  const wanted = only.map((o) => o.toUpperCase());
  const picked = all.filter((s) => wanted.some((w) => s.id === w || s.id.startsWith(`${w}-`)));
  if (picked.length === 0) throw new RtmpError(TRANSPOND_ERR.USAGE, `no scenario matches ${only.join(", ")} (ids: ${all.map((s) => s.id).join(" ")})`);
  return picked;
}

export async function runScenarios(scenarios: readonly Scenario[], target: ConformTarget, options: RunOptions = {}): Promise<ScenarioResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const runId = randomBytes(3).toString("hex");
  let names = 0;
  const results: ScenarioResult[] = [];
  for (const scenario of selectScenarios(scenarios, options.only)) {
    const clients: RawClient[] = [];
    const ctx: ScenarioContext = {
      target,
      timeoutMs,
      streamName: () => `conform-${runId}-${scenario.id.toLowerCase()}-${++names}`,
      open: async (o) => {
        const client = await RawClient.open(target.host, target.port, timeoutMs, o);
        clients.push(client);
        return client;
      },
    };
    const started = Date.now();
    const outcome = await runOne(scenario, ctx, timeoutMs * 6);
    for (const c of clients) c.close();
    const result: ScenarioResult = { id: scenario.id, title: scenario.title, clause: scenario.clause, required: scenario.required, ...outcome, ms: Date.now() - started };
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

async function runOne(scenario: Scenario, ctx: ScenarioContext, limitMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(fail(`scenario did not finish within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([scenario.run(ctx).catch((err: unknown) => fail(errorMessage(err))), limit]);
  } finally {
    clearTimeout(timer);
  }
}
