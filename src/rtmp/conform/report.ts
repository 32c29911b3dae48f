/**
 * Conformance results as a terminal table, JSON and JUnit XML (one testcase per scenario: a fail is
 * a <failure>, unsupported is <skipped>), and the exit code: 0 when every required scenario passed.
 */
import type { ScenarioResult } from "./scenario.ts";

export interface ConformReport {
  /** what was checked: a server URL or a client session */
  readonly subject: string;
  readonly results: readonly ScenarioResult[];
}

export function exitCode(report: ConformReport): number {
  return report.results.every((r) => !r.required || r.verdict === "pass") ? 0 : 1;
}

const MARK = { pass: "PASS", fail: "FAIL", unsupported: "N/S " } as const;

/** One line per scenario: id, verdict, required, title, clause; the detail indented below. */
export function formatLine(r: ScenarioResult): string {
  const req = r.required ? "req" : "opt";
  return `${r.id.padEnd(6)} ${MARK[r.verdict]} ${req}  ${r.title} [${r.clause}]\n         ${r.detail}\n`;
}

export function summary(report: ConformReport): string {
  const count = (v: string) => report.results.filter((r) => r.verdict === v).length;
  const requiredFailed = report.results.filter((r) => r.required && r.verdict !== "pass").map((r) => r.id);
  return `${report.subject}: ${count("pass")} passed, ${count("fail")} failed, ${count("unsupported")} not supported` +
    (requiredFailed.length ? `; required not passed: ${requiredFailed.join(" ")}` : "; every required scenario passed") + "\n";
}

export function formatReport(report: ConformReport): string {
  return report.results.map(formatLine).join("") + summary(report);
}

export function reportToJson(report: ConformReport): string {
  const results = report.results.map(({ id, title, clause, required, verdict, detail, ms }) => ({ id, title, clause, required, verdict, detail, ms }));
  return JSON.stringify({ subject: report.subject, exitCode: exitCode(report), results }, null, 2);
}

function xml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)
    // characters XML 1.0 cannot carry at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?");
}

export function reportToJunit(report: ConformReport): string {
  return reportsToJunit([report]);
}

/** One <testsuite> per report (the client checker writes one per session). */
export function reportsToJunit(reports: readonly ConformReport[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${reports.map(junitSuite).join("")}</testsuites>\n`;
}

function junitSuite(report: ConformReport): string {
  const failures = report.results.filter((r) => r.verdict === "fail").length;
  const skipped = report.results.filter((r) => r.verdict === "unsupported").length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = report.results.reduce((n, r) => n + r.ms, 0);
  const cases = report.results.map((r) => {
    const name = xml(`${r.id} ${r.title} [${r.clause}]${r.required ? "" : " (optional)"}`);
    const head = `    <testcase classname="transpond.conform" name="${name}" time="${seconds(r.ms)}"`;
    if (r.verdict === "pass") return `${head}>\n      <system-out>${xml(r.detail)}</system-out>\n    </testcase>`;
    if (r.verdict === "unsupported") return `${head}>\n      <skipped message="${xml(r.detail)}"/>\n    </testcase>`;
    return `${head}>\n      <failure message="${xml(r.detail)}" type="${r.required ? "required" : "optional"}"/>\n    </testcase>`;
  });
  return `  <testsuite name="${xml(`transpond conform ${report.subject}`)}" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" time="${seconds(total)}">
${cases.join("\n")}
  </testsuite>
`;
}
