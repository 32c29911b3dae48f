/**
 * `/rest-api/stats` (POST, or GET with no body): the node's health for operators and monitoring:
 * event-loop delay over the last 10 s window (p50, p99, max in ms) and the codec workers' threads,
 * sessions, queue depth, restarts and dropped or lost jobs, and the last audio gaps worker restarts
 * cost (stream, ms, when). WCS keeps such figures on its statistics
 * page; nothing in the reference names a REST route for them, so this one follows the /rest-api
 * style (JSON body, camelCase fields).
 */
import type { MediaHealth } from "../core/media-workers.ts";
import type { Router } from "./router.ts";

export function registerStatsRoutes(router: Router, health: () => MediaHealth): void {
  router.post("/rest-api/stats", () => health(), true);
}
