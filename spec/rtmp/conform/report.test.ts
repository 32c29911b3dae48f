import { XMLParser } from "fast-xml-parser";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { exitCode, formatReport, reportToJson, reportToJunit, type ConformReport } from "../../../src/rtmp/conform/report.ts";
import type { ScenarioResult } from "../../../src/rtmp/conform/scenario.ts";

const result = (id: string, verdict: ScenarioResult["verdict"], required: boolean, detail = "what happened"): ScenarioResult =>
  ({ id, title: `title of ${id}`, clause: "RTMP 1.0 §5.2", required, verdict, detail, ms: 12 });

test("exit code: 0 when every required scenario passed, whatever the optional ones did", () => {
  assert.is(exitCode({ subject: "s", results: [result("A-1", "pass", true), result("A-2", "fail", false), result("A-3", "unsupported", false)] }), 0);
  assert.is(exitCode({ subject: "s", results: [result("A-1", "pass", true), result("A-2", "unsupported", true)] }), 1);
  assert.is(exitCode({ subject: "s", results: [result("A-1", "fail", true)] }), 1);
});

test("table: one line per scenario with verdict, id, clause, the detail, and a summary naming required failures", () => {
  const text = formatReport({ subject: "rtmp://h/app", results: [result("HS-1", "pass", true), result("HS-3", "fail", true, "closed without S0")] });
  assert.match(text, /^HS-1 +PASS req {2}title of HS-1 \[RTMP 1\.0 §5\.2\]\n {9}what happened\n/);
  assert.match(text, /HS-3 +FAIL req .*\n {9}closed without S0\n/);
  assert.match(text, /rtmp:\/\/h\/app: 1 passed, 1 failed, 0 not supported; required not passed: HS-3\n$/);
});

test("JSON: subject, exit code and every field of every result", () => {
  const report: ConformReport = { subject: "rtmp://h/app", results: [result("PB-1", "fail", true, "answered BadName")] };
  const json = JSON.parse(reportToJson(report));
  assert.equal(json, { subject: "rtmp://h/app", exitCode: 1, results: [{ id: "PB-1", title: "title of PB-1", clause: "RTMP 1.0 §5.2", required: true, verdict: "fail", detail: "answered BadName", ms: 12 }] });
});

test("JUnit XML: failure for fail, skipped for not supported, escaped text; parses as XML", () => {
  const report: ConformReport = { subject: "rtmp://h/app?a=1&b=<2>", results: [
    result("HS-1", "pass", true),
    result("HS-3", "fail", false, `closed "early" & <quiet>\u0001`),
    result("CN-3", "unsupported", false, "refused AMF3"),
  ] };
  const xml = reportToJunit(report);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
  const suite = doc.testsuites.testsuite;
  assert.is(suite.tests, "3");
  assert.is(suite.failures, "1");
  assert.is(suite.skipped, "1");
  assert.is(suite.name, "transpond conform rtmp://h/app?a=1&b=<2>");
  const [ok, failed, skipped] = suite.testcase;
  assert.is(ok.name, "HS-1 title of HS-1 [RTMP 1.0 §5.2]");
  assert.is(failed.failure.message, `closed "early" & <quiet>?`);
  assert.is(failed.failure.type, "optional");
  assert.is(skipped.skipped.message, "refused AMF3");
});

test.run();
