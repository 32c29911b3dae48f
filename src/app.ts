/**
 * The running server: builds the stream hub and starts every listener the config turns on.
 * Each listener is optional (port 0 turns it off) so tests start only what they need.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server } from "node:net";
import { join } from "node:path";
import { loadOrCreateCertificate } from "./certificate.ts";
import type { Config } from "./config.ts";
import { StreamHub } from "./core/hub.ts";
import { createLogger } from "./log.ts";
import { Router } from "./rest/router.ts";
import { registerStreamRoutes } from "./rest/stream-routes.ts";

const log = createLogger("app");

export interface App {
  readonly config: Config;
  readonly hub: StreamHub;
  readonly router: Router;
  /** Bound ports by listener name (http, https, rtmp, ...). */
  readonly ports: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as HttpServer).closeAllConnections?.();
  });
}

export async function startApp(config: Config): Promise<App> {
  const hub = new StreamHub();
  const users = new Map(
    config.disable_rest_auth ? [] : config.rest_users.map((pair) => [pair.slice(0, pair.indexOf(":")), pair.slice(pair.indexOf(":") + 1)] as [string, string]),
  );
  if (!config.disable_rest_auth && users.size === 0) log.warn("disable_rest_auth=false but rest_users is empty: every REST request will be refused");
  const router = new Router({ allowOrigin: config.rest_access_control_allow_origin, users });
  registerStreamRoutes(router, hub);

  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  const host = config.bind_address;
  if (config["http.port"] > 0) {
    const server = createHttpServer(router.handle);
    ports.http = await listen(server, config["http.port"], host);
    servers.push(server);
  }
  if (config["https.port"] > 0) {
    const pem = await loadOrCreateCertificate(config["https.cert"], config["https.key"], join(config.data_dir, "transpond-tls"));
    const server = createHttpsServer(pem, router.handle);
    ports.https = await listen(server, config["https.port"], host);
    servers.push(server);
  }
  log.info("listening", ports);

  return {
    config,
    hub,
    router,
    ports,
    async close() {
      hub.close("Server shutdown");
      await Promise.all(servers.map(closeServer));
    },
  };
}
