/** Every server scenario, in the order they run. */
import type { Scenario } from "../scenario.ts";
import { connectScenarios } from "./connect.ts";
import { handshakeScenarios } from "./handshake.ts";
import { publishScenarios } from "./publish.ts";

export const SERVER_SCENARIOS: readonly Scenario[] = [...handshakeScenarios, ...connectScenarios, ...publishScenarios];
