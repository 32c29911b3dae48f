/**
 * The whole server on loopback for the security suite: every listener on a free port, folders in a
 * temp dir removed on close, REST helpers that return status and parsed body.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, type App } from "../../../src/app.ts";
import { makeConfig } from "../../../src/config.ts";
import { loopbackConfig } from "../../support/app-config.ts";
import { freeTcpPort } from "../../support/net.ts";

export interface TestApp {
  readonly app: App;
  readonly dir: string;
  readonly base: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<RestAnswer>;
  close(): Promise<void>;
}

export interface RestAnswer {
  readonly status: number;
  readonly text: string;
  readonly body: { message?: string } & Record<string, unknown>;
}

export async function startTestApp(overrides: Parameters<typeof makeConfig>[0] = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "transpond-security-"));
  let app: App;
  try {
    app = await startApp(
      await loopbackConfig(dir, { "ws.port": await freeTcpPort(), ...overrides }, 50),
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const base = `http://127.0.0.1:${app.ports.http}`;
  return {
    app,
    dir,
    base,
    post: (path, body, headers = {}) => restPost(base + path, body, headers),
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function restPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RestAnswer> {
  const res = await fetch(url, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
  const text = await res.text();
  let parsed: RestAnswer["body"] = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, text, body: parsed };
}
