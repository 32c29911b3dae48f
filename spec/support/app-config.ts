/**
 * The configuration of a whole server on loopback for a test: HTTP and RTMP on free ports, TLS and
 * WebSocket listeners off unless `overrides` opens them, folders under `dir`, media ports from this
 * test process's region.
 */
import { join } from "node:path";
import { makeConfig, type Config } from "../../src/config.ts";
import { mediaPortRange } from "./media-ports.ts";
import { freeTcpPort } from "./net.ts";

export async function loopbackConfig(dir: string, overrides: Parameters<typeof makeConfig>[0] = {}, mediaPorts = 100): Promise<Config> {
  return makeConfig({
    bind_address: "127.0.0.1",
    "http.port": await freeTcpPort(),
    "https.port": 0,
    "ws.port": 0,
    "wss.port": 0,
    "rtmp.port": await freeTcpPort(),
    data_dir: join(dir, "data"),
    media_dir: join(dir, "media"),
    record_dir: join(dir, "records"),
    ice_interface_addresses: ["127.0.0.1"],
    ...mediaPortRange(mediaPorts),
    ...overrides,
  });
}
