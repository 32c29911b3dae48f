/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: a scrape reads live
 * objects (the hub, the registries) at that moment, which is a function per family here; prom-client
 * would add a dependency and a registry of its own to keep in step with them for the same few lines.
 */

export type MetricType = "counter" | "gauge";

export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  /** snake_case, counters end in `_total`, units in the name (`_seconds`, `_bytes`) */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** The exposition text of `families`, HELP and TYPE before each family's samples. */
export function formatMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.join("\n") + "\n";
}

/** One sample per value of `label`, zero for values not in `counts` (so a series never vanishes). */
export function samplesByLabel(label: string, known: readonly string[], counts: ReadonlyMap<string, number>): Sample[] {
  const values = [...new Set([...known, ...counts.keys()])];
  return values.map((value) => ({ labels: { [label]: value }, value: counts.get(value) ?? 0 }));
}

/** How many of `items` have each key. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
