/**
 * Any node answers the REST API for the whole cluster. Each `/rest-api/<x>` route keeps its local
 * handler under `/cluster-api/<x>` for the other nodes (cluster secret required), and the public
 * route becomes:
 *   - find / find_all: this node's objects and every live node's, each with its `nodeId`;
 *   - /push/startup and /pull/push: run on the node that has the stream (while Redis is away, on
 *     the first node that has it of those this node knew last: each is asked as for an action);
 *   - any other action (terminate, mute, sound_on, send_dtmf, inject_stream, ...): run here, or,
 *     when nothing here matches (404), on the node that answers for it;
 *   - /call/startup, /pull/pull: run here (they create the job on the node asked).
 * Every job a startup route makes is kept in Redis (cluster/jobs.ts) so it can move when its node is
 * lost; calls lost that way are listed by call/find and call/find_all, FAILED "node lost".
 * `/rest-api/cluster/nodes` lists the live nodes and whether this one is degraded (Redis away).
 */
import { lostCallObject, type ClusterJobs } from "../cluster/jobs.ts";
import { CLUSTER_API } from "../cluster/api.ts";
import { callNode, type ClusterNode, type NodeAnswer } from "../cluster/node.ts";
import type { JobKind, NodeInfo } from "../cluster/store.ts";
import { errorMessage } from "../errors.ts";
import { createLogger } from "../log.ts";
import { httpStatusOf, NodeAnswerError, RestError, REST_ERR } from "./errors.ts";
import { optionalString, type JsonObject } from "./request-body.ts";
import type { JsonHandler, Router } from "./router.ts";

const log = createLogger("rest.cluster");
const PUBLIC = "/rest-api/";
/** the body field naming the stream a route works on, for the routes that must run where it is */
const BY_STREAM: Readonly<Record<string, string>> = { "/rest-api/push/startup": "streamName", "/rest-api/pull/push": "localStreamName" };
const HERE_ONLY = new Set(["/rest-api/call/startup", "/rest-api/pull/pull", "/rest-api/stats"]);
/** the routes that make a job, with the answer's field naming it (a call answers nothing) */
const STARTUPS: Readonly<Record<string, { kind: JobKind; idField?: string }>> = {
  "/rest-api/push/startup": { kind: "push", idField: "mediaSessionId" },
  "/rest-api/pull/push": { kind: "pull", idField: "localMediaSessionId" },
  "/rest-api/pull/pull": { kind: "pull", idField: "localMediaSessionId" },
  "/rest-api/call/startup": { kind: "call" },
};
/** the routes that end jobs: what they end here is ended in the whole cluster (cluster/jobs.ts) */
const TERMINATES = new Set(["/rest-api/push/terminate", "/rest-api/pull/terminate"]);

/** `/rest-api/push/find` -> `push/find` */
function routeOf(path: string): string {
  return path.slice(PUBLIC.length);
}

/** A node's answer as this node's own: the body, or the same error status and message. */
function answerOf(answer: NodeAnswer): unknown {
  if (answer.status === 200) return answer.body;
  const message = (answer.body as { message?: string } | undefined)?.message ?? `status ${answer.status}`;
  throw new NodeAnswerError(answer.status, message);
}

function withNodeId(result: unknown, nodeId: string): unknown[] {
  const items = Array.isArray(result) ? result : [];
  return items.map((item) => (item !== null && typeof item === "object" ? { ...item, nodeId } : item));
}

async function localAnswer(handler: JsonHandler, body: JsonObject): Promise<{ result?: unknown; notFound?: unknown }> {
  try {
    return { result: await handler(body) };
  } catch (err) {
    if (httpStatusOf(err) === 404) return { notFound: err };
    throw err;
  }
}

/**
 * A startup route whose job is kept in Redis once made (a call: the one callId the handler added); a
 * terminate route whose ended jobs end in the whole cluster.
 */
function keepingJobs(path: string, local: JsonHandler, jobs: ClusterJobs): JsonHandler {
  if (TERMINATES.has(path)) return (body) => jobs.terminate(() => local(body));
  const startup = STARTUPS[path];
  if (!startup) return local;
  return async (body) => {
    const callsBefore = new Set(jobs.callIds());
    const result = await local(body);
    const ids = startup.idField ? [String((result as JsonObject)[startup.idField])] : jobs.callIds().filter((id) => !callsBefore.has(id));
    for (const id of ids) await jobs.adopt(startup.kind, id);
    return result;
  };
}

/** Lost calls (their node died) a call find lists, with the find's fields as filter. */
async function lostCalls(jobs: ClusterJobs, body: JsonObject): Promise<unknown[]> {
  const objects = (await jobs.lostCalls().catch(() => [])).map(lostCallObject);
  const wanted = (["callId", "callee", "rtmpUrl", "status"] as const).flatMap((f) => {
    const value = optionalString(body, f);
    return value ? [[f, value] as const] : [];
  });
  return objects.filter((o) => wanted.every(([f, value]) => o[f] === value));
}

/**
 * What no node has while Redis is away: not a 404, since the node that has it may be one this node
 * does not know (it asked the nodes of its last good read of Redis) or one that did not answer.
 */
function storeAway(notFound: unknown, answered: readonly string[], silent: readonly string[]): RestError {
  const asked = answered.length > 0 ? `nor on ${answered.join(", ")}` : "nor on another node";
  const unanswered = silent.length > 0 ? `; ${silent.join(", ")} did not answer` : "";
  return new RestError(
    REST_ERR.CLUSTER_DEGRADED,
    `${errorMessage(notFound)}: not on this node ${asked}${unanswered}. The cluster store (Redis) is unreachable, so the node that has it may be out of reach; try again when /rest-api/cluster/nodes says "ok"`,
  );
}

export function registerClusterRoutes(router: Router, cluster: ClusterNode, jobs: ClusterJobs): void {
  const secret = cluster.settings.secret;
  const peersOrNone = () => cluster.peers().catch(() => [] as readonly NodeInfo[]);
  const nothingFound = (notFound: unknown, answered: readonly string[], silent: readonly string[]) => (cluster.degraded ? storeAway(notFound, answered, silent) : notFound);

  const list = (path: string, local: JsonHandler): JsonHandler => async (body) => {
    const here = await localAnswer(local, body);
    const items = withNodeId(here.result, cluster.nodeId);
    const answered: string[] = [];
    const silent: string[] = [];
    const answers = await Promise.all(
      (await peersOrNone()).map(async (node) => {
        try {
          const answer = await callNode(node, routeOf(path), body, secret);
          answered.push(node.id);
          return answer.status === 200 ? withNodeId(answer.body, node.id) : [];
        } catch (err) {
          log.warn("cluster find: a node did not answer", { node: node.id, path, error: err as Error });
          silent.push(node.id);
          return [];
        }
      }),
    );
    const lost = path.startsWith("/rest-api/call/") ? await lostCalls(jobs, body) : [];
    const all = items.concat(...answers, lost);
    if (all.length === 0) throw nothingFound(here.notFound ?? new RestError(REST_ERR.NOT_FOUND, "Not found"), answered.sort(), silent.sort());
    return all;
  };

  const action = (path: string, local: JsonHandler): JsonHandler => async (body) => {
    const here = await localAnswer(local, body);
    if (!here.notFound) return here.result;
    const answered: string[] = [];
    const silent: string[] = [];
    for (const node of await peersOrNone()) {
      const answer = await callNode(node, routeOf(path), body, secret).catch(() => undefined);
      if (answer && answer.status !== 404) return answerOf(answer);
      (answer ? answered : silent).push(node.id);
    }
    throw nothingFound(here.notFound, answered, silent);
  };

  const byStream = (path: string, field: string, local: JsonHandler): JsonHandler => async (body) => {
    // while Redis is away the stream map is out of reach: the nodes last known are asked in turn
    if (cluster.degraded) return action(path, local)(body);
    const name = optionalString(body, field);
    const owner = name === undefined ? undefined : await cluster.streamPeer(name);
    if (!owner) return local(body);
    log.info("cluster: request runs on the node that has the stream", { path, stream: name, node: owner.id });
    return answerOf(await callNode(owner, routeOf(path), body, secret));
  };

  for (const path of router.jsonPaths()) {
    if (!path.startsWith(PUBLIC)) continue;
    router.wrap(path, (handler) => {
      const local = keepingJobs(path, handler, jobs);
      if (HERE_ONLY.has(path)) return local;
      router.internal(CLUSTER_API + routeOf(path), local, secret);
      if (/\/find(_all)?$/.test(path)) return list(path, local);
      const field = BY_STREAM[path];
      return field ? byStream(path, field, local) : action(path, local);
    });
  }
  router.post("/rest-api/cluster/nodes", () => cluster.status(), true);
}
