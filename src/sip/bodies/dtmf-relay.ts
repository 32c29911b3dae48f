/**
 * `application/dtmf-relay`, the SIP INFO body for DTMF (the de-facto format of Cisco and most PBXs):
 * `Signal=5\r\nDuration=160\r\n`, the duration in ms. A body that cannot be read is a ParseError
 * SIP_PARSE_ERR.DTMF_RELAY.
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";

export const DTMF_RELAY_TYPE = "application/dtmf-relay";

export interface DtmfRelay {
  readonly signal: string;
  readonly durationMs: number;
}

export function encodeDtmfRelay(relay: DtmfRelay): string {
  return `Signal=${relay.signal}\r\nDuration=${Math.round(relay.durationMs)}\r\n`;
}

export function decodeDtmfRelay(body: string): DtmfRelay {
  const values = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const signal = values.get("signal");
  if (!signal || !/^[0-9*#A-Da-d]$/.test(signal)) throw new ParseError(SIP_PARSE_ERR.DTMF_RELAY, `dtmf-relay Signal ${JSON.stringify(signal ?? "")} is not a DTMF digit`, 0);
  const duration = Number(values.get("duration") ?? "250");
  if (!Number.isFinite(duration) || duration < 0) throw new ParseError(SIP_PARSE_ERR.DTMF_RELAY, `dtmf-relay Duration ${values.get("duration")} is not a number of ms`, 0);
  return { signal: signal.toUpperCase(), durationMs: duration };
}
