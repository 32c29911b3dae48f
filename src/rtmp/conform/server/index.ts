/** Every server scenario, in the order they run. */
import type { Scenario } from "../scenario.ts";
import { chunkingScenarios } from "./chunking.ts";
import { connectScenarios } from "./connect.ts";
import { controlScenarios } from "./control.ts";
import { handshakeScenarios } from "./handshake.ts";
import { mediaScenarios } from "./media.ts";
import { playScenarios } from "./play.ts";
import { publishScenarios } from "./publish.ts";

export const SERVER_SCENARIOS: readonly Scenario[] = [
  ...handshakeScenarios,
  ...connectScenarios,
  ...publishScenarios,
  ...chunkingScenarios,
  ...controlScenarios,
  ...mediaScenarios,
  ...playScenarios,
];
