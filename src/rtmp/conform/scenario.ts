/**
 * A conformance scenario: one question asked of an RTMP server, with the clause it checks. `run`
 * answers pass / fail / unsupported with what the server did; a scenario that throws fails with the
 * error's message (a timeout, a closed connection). `required` scenarios decide the exit code: they
 * check what the spec mandates or what every encoder relies on; the others report behaviour that
 * differs between servers (each one names the clause it compares with).
 */
import type { RawClientOptions, RawClient } from "./raw-client.ts";

export type Verdict = "pass" | "fail" | "unsupported";

export interface Outcome {
  readonly verdict: Verdict;
  /** what the server did, in one line */
  readonly detail: string;
}

export const pass = (detail: string): Outcome => ({ verdict: "pass", detail });
export const fail = (detail: string): Outcome => ({ verdict: "fail", detail });
export const unsupported = (detail: string): Outcome => ({ verdict: "unsupported", detail });

/** Where the server under test is and how long to wait for each answer. */
export interface ConformTarget {
  readonly host: string;
  readonly port: number;
  /** the application path of the URL (`live`, `live/instance`) */
  readonly app: string;
  readonly tcUrl: string;
}

export interface ScenarioContext {
  readonly target: ConformTarget;
  /** ms to wait for one answer of the server */
  readonly timeoutMs: number;
  /** a stream name no other scenario (or other run on the same server) uses */
  streamName(): string;
  /** a handshaken connection to the target; closed by the runner after the scenario */
  open(options?: RawClientOptions): Promise<RawClient>;
}

export interface Scenario {
  /** stable id, e.g. "HS-1" */
  readonly id: string;
  readonly title: string;
  /** "RTMP 1.0 §5.2.3", "AMF0 §2.5", "E-RTMP", "FMS behaviour" */
  readonly clause: string;
  readonly required: boolean;
  run(ctx: ScenarioContext): Promise<Outcome>;
}

export interface ScenarioResult extends Outcome {
  readonly id: string;
  readonly title: string;
  readonly clause: string;
  readonly required: boolean;
  readonly ms: number;
}
