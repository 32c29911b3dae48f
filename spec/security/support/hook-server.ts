/** A REST hook backend on loopback for the security suite: answers what the test decides, records every call. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HookServer {
  readonly url: string;
  readonly calls: { method: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** A backend that answers `decide(method, body)` (a status code) and records every call. */
export async function startHookServer(decide: (method: string, body: Record<string, unknown>) => number): Promise<HookServer> {
  const calls: HookServer["calls"] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const method = (req.url ?? "").split("/").pop() ?? "";
      const body = JSON.parse(text) as Record<string, unknown>;
      calls.push({ method, body });
      res.writeHead(decide(method, body), { "content-type": "application/json" }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/apps/test`,
    calls,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
