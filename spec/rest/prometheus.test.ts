import { suite } from "uvu";
import * as assert from "uvu/assert";
import { countBy, formatMetrics, samplesByLabel } from "../../src/rest/prometheus.ts";
import { parseExposition, promtoolProblems, seriesKey } from "../support/prometheus.ts";

const test = suite("rest/prometheus");

test("families are written HELP, TYPE, then samples; label values and HELP text are escaped", () => {
  const text = formatMetrics([
    { name: "x_streams", help: "Streams\nby source \\ kind", type: "gauge", samples: [{ labels: { source: 'rt"mp\\\n' }, value: 2 }] },
    { name: "x_bytes_total", help: "Bytes", type: "counter", samples: [{ value: 1.5e21 }, { labels: { track: "audio" }, value: Infinity }] },
  ]);
  assert.is(
    text,
    [
      "# HELP x_streams Streams\\nby source \\\\ kind",
      "# TYPE x_streams gauge",
      'x_streams{source="rt\\"mp\\\\\\n"} 2',
      "# HELP x_bytes_total Bytes",
      "# TYPE x_bytes_total counter",
      "x_bytes_total 1.5e+21",
      'x_bytes_total{track="audio"} +Inf',
      "",
    ].join("\n"),
  );
  const parsed = parseExposition(text);
  assert.is(parsed.series.get(seriesKey("x_streams", { source: 'rt"mp\\\n' })), 2, "the escapes read back");
  assert.is(parsed.types.get("x_bytes_total"), "counter");
  assert.is(promtoolProblems(text) ?? "", "");
});

test("samplesByLabel keeps a zero series for every known value and adds values it did not know", () => {
  const samples = samplesByLabel("state", ["ACTIVE", "FAILED"], countBy(["ACTIVE", "ACTIVE", "ODD"], (s) => s));
  assert.equal(samples, [
    { labels: { state: "ACTIVE" }, value: 2 },
    { labels: { state: "FAILED" }, value: 0 },
    { labels: { state: "ODD" }, value: 1 },
  ]);
});

test("the strict reader refuses what Prometheus would refuse", () => {
  const bad: [string, string][] = [
    ["no final newline", "# TYPE a gauge\na 1"],
    ["sample before TYPE", "a 1\n"],
    ["counter without _total", "# TYPE a counter\na 1\n"],
    ["family split", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n"],
    ["sample of another family", "# TYPE a gauge\nb 1\n"],
    ["bad value", "# TYPE a gauge\na one\n"],
    ["unquoted label", "# TYPE a gauge\na{x=1} 1\n"],
    ["bad escape", '# TYPE a gauge\na{x="\\t"} 1\n'],
    ["series twice", '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ["reserved label", '# TYPE a gauge\na{__x="1"} 1\n'],
    ["quantile on a gauge", '# TYPE a gauge\na{quantile="0.5"} 1\n'],
    ["empty line", "# TYPE a gauge\n\na 1\n"],
  ];
  for (const [what, text] of bad) assert.throws(() => parseExposition(text), undefined, what);
});

test.run();
