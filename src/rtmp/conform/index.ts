/** `transpond conform`: active RTMP conformance checks of servers (server/) and of encoders and players (client/). */
export { parseConformTarget, runScenarios, selectScenarios, type RunOptions } from "./runner.ts";
export { exitCode, formatLine, formatReport, reportsToJunit, reportToJson, reportToJunit, summary, type ConformReport } from "./report.ts";
export { ClientChecker, type ClientCheckerOptions } from "./client/checker.ts";
export { CLIENT_CHECK_IDS } from "./client/checks.ts";
export { SERVER_SCENARIOS } from "./server/index.ts";
export type { ConformTarget, Outcome, Scenario, ScenarioResult, Verdict } from "./scenario.ts";
