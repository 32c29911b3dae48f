/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for tests: every line must be a
 * HELP, a TYPE or a sample of the family just declared; names, labels, escapes and values must be
 * well formed; no series twice; counters end in `_total`; only summaries have a `quantile` label. Throws naming the line on anything else.
 * `promtool check metrics` (Debian's prometheus package) is run as well where it is installed.
 */
import { spawnSync } from "node:child_process";
import { hasProgram } from "./e2e.ts";

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  /** `name{a="x",b="y"}` (labels sorted) -> value */
  readonly series: ReadonlyMap<string, number>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let value = "";
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === "\\") {
        const next = text[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next}`);
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`${where}: unterminated label value`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (i < text.length) throw new Error(`${where}: expected , after label ${name}`);
  }
  return labels;
}

function parseValue(text: string, where: string): number {
  if (text === "NaN") return NaN;
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

export function seriesKey(name: string, labels: Readonly<Record<string, string>> = {}): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? `${name}{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}` : name;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const series = new Map<string, number>();
  const finished = new Set<string>();
  let current = "";
  text.slice(0, -1).split("\n").forEach((line, index) => {
    const where = `line ${index + 1} (${line})`;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (name !== current) {
        if (finished.has(name) || types.has(name)) throw new Error(`${where}: family ${name} declared twice`);
        if (current) finished.add(current);
        current = name;
      }
      if (kind === "HELP") {
        if (helps.has(name)) throw new Error(`${where}: HELP twice`);
        helps.add(name);
      } else {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`${where}: bad type`);
        if (types.has(name)) throw new Error(`${where}: TYPE twice`);
        if (rest === "counter" && !name.endsWith("_total")) throw new Error(`${where}: a counter's name ends in _total`);
        types.set(name, rest);
      }
      return;
    }
    if (line.startsWith("#")) return;
    if (line === "") throw new Error(`${where}: empty line`);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`${where}: not a sample`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    if (name !== current) throw new Error(`${where}: sample of ${name} outside its family (${current})`);
    if (!types.has(name)) throw new Error(`${where}: sample before TYPE`);
    const labels = parseLabels(labelText ?? "", where);
    if ("quantile" in labels && types.get(name) !== "summary") throw new Error(`${where}: only a summary has a quantile label`);
    const key = seriesKey(name, labels);
    if (series.has(key)) throw new Error(`${where}: series ${key} twice`);
    series.set(key, parseValue(valueText, where));
  });
  return { types, series };
}

/** `promtool check metrics` on the text: undefined when promtool is not installed, else its complaints ("" when none). */
export function promtoolProblems(text: string): string | undefined {
  if (!hasProgram("promtool")) return undefined;
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30000 });
  return result.status === 0 ? "" : `${result.stdout}${result.stderr}`.trim() || `promtool exited ${result.status}`;
}
