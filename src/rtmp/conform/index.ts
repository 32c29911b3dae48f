/** `transpond conform`: active RTMP conformance checks of servers (and, in client/, of encoders). */
export { parseConformTarget, runScenarios, selectScenarios, type RunOptions } from "./runner.ts";
export { exitCode, formatLine, formatReport, reportToJson, reportToJunit, summary, type ConformReport } from "./report.ts";
export { SERVER_SCENARIOS } from "./server/index.ts";
export type { ConformTarget, Outcome, Scenario, ScenarioResult, Verdict } from "./scenario.ts";
