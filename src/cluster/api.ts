/**
 * How nodes of a cluster call each other over REST: apart from ./node.ts so the REST router needs
 * no Redis client (about 25 MB) on a node that runs alone.
 */

/** Header carrying cluster.secret on node-to-node calls. */
export const CLUSTER_SECRET_HEADER = "x-transpond-cluster-secret";
/** Where a node answers other nodes (the local-only form of each `/rest-api/` route). */
export const CLUSTER_API = "/cluster-api/";
