/**
 * node-media-server (npm, pure JavaScript, a devDependency) as a test peer: its RTMP server alone on
 * a free port of 127.0.0.1, in a child process of its own, with its store in a temp folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { freeTcpPort, waitFor } from "./net.ts";
import { start } from "./process.ts";

export interface NodeMediaServer {
  readonly port: number;
  url(app?: string): string;
  /** what it logged so far */
  output(): string;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

export async function startNodeMediaServer(): Promise<NodeMediaServer> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), "transpond-nms-"));
  const config = { bind: "127.0.0.1", rtmp: { port }, store: { path: dir } };
  const script = `const NodeMediaServer = require("node-media-server"); new NodeMediaServer(${JSON.stringify(config)}).run();`;
  const { child, done } = start("node", ["-e", script], 600000);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await done;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`node-media-server on port ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`node-media-server exited: ${log}`);
      return (await accepts(port)) ? true : undefined;
    }, 20000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: (app = "live") => `rtmp://127.0.0.1:${port}/${app}`, output: () => log, stop };
}
