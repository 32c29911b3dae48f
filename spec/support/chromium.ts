/**
 * Headless Chromium with a fake camera and microphone (the flags in DESIGN.md) driving
 * `spec/e2e/pages/webrtc.html`, a page built on the official `@flashphoner/websdk` (served from
 * node_modules as /sdk.js by a small http server on 127.0.0.1).
 *
 *   const chromium = await startChromium();
 *   const page = await chromium.open("ws://127.0.0.1:<ws.port>");
 *   await page.publish("cam", { width: 320, height: 240 });   // "PUBLISHING" or "FAILED: <info>"
 *   await chromium.close();
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { keepOutput } from "./test-log.ts";

const require = createRequire(import.meta.url);
const SDK = join(require.resolve("@flashphoner/websdk/package.json"), "..", "flashphoner-webrtc-only.js");
const PAGE = join(import.meta.dirname, "..", "e2e", "pages", "webrtc.html");

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface StatusEvent {
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly info: string;
}

export interface PublishOptions {
  readonly width: number;
  readonly height: number;
  /** the SDK's stripCodecs option (e.g. "H264" to offer no H.264) */
  readonly stripCodecs?: string;
  /** the SDK's createStream({rtmpUrl}) option: the server republishes there on PUBLISHING */
  readonly rtmpUrl?: string;
}

export interface MediaConstraints {
  readonly audio: boolean;
  readonly video: boolean;
}

export interface AudioStats {
  /** e.g. "audio/opus", "audio/PCMA" */
  readonly codec: string;
  readonly energy: number;
  readonly samples: number;
}

interface PageWindow {
  T: {
    connect(url: string, custom?: Record<string, unknown>): Promise<string>;
    publish(name: string, width: number, height: number, stripCodecs?: string, rtmpUrl?: string): Promise<string>;
    play(name: string, constraints?: MediaConstraints, stripCodecs?: string): Promise<string>;
    audioStats(): Promise<AudioStats | null>;
    remoteTracks(): string[];
    analyserPeak(ms: number): Promise<{ hz: number; db: number }>;
    stop(kind: string): void;
    framesDecoded(): Promise<number>;
    audioEnergy(): Promise<number>;
    localSize(): number[];
    events: StatusEvent[];
    wsCloses: { code: number; reason: string }[];
  };
}

/** One page of the SDK, connected to a signaling server. */
export class SdkPage {
  readonly page: Page;
  /** "ESTABLISHED", or "DISCONNECTED" when the server closed the session before establishing it */
  sessionStatus = "";
  constructor(page: Page) {
    this.page = page;
  }

  /** Code and reason of every WebSocket close the page saw (the SDK itself drops them). */
  wsCloses(): Promise<{ code: number; reason: string }[]> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.wsCloses);
  }

  /** Resolves with "PUBLISHING", or "FAILED: <info>". */
  publish(name: string, options: PublishOptions): Promise<string> {
    const args = [name, options.width, options.height, options.stripCodecs ?? "", options.rtmpUrl ?? ""] as const;
    return this.page.evaluate(([n, w, h, s, r]) => (window as unknown as PageWindow).T.publish(n, w, h, s || undefined, r || undefined), args);
  }

  /**
   * Resolves with "PLAYING", or "FAILED: <info>"; `constraints` and `stripCodecs` (e.g. "PCMA,PCMU")
   * as the SDK's createStream takes them.
   */
  play(name: string, constraints?: MediaConstraints, stripCodecs?: string): Promise<string> {
    return this.page.evaluate(([n, c, s]) => (window as unknown as PageWindow).T.play(n, c ?? undefined, s || undefined), [name, constraints ?? null, stripCodecs ?? ""] as const);
  }

  /** The playing stream's inbound audio from the SDK's getStats (null before any audio). */
  audioStats(): Promise<AudioStats | null> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.audioStats());
  }

  /** Kinds of the live tracks of the played media element. */
  remoteTracks(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.remoteTracks());
  }

  /** The loudest frequency of the played audio (WebAudio analyser, FFT of 8192) over `ms`. */
  analyserPeak(ms: number): Promise<{ hz: number; db: number }> {
    return this.page.evaluate((t) => (window as unknown as PageWindow).T.analyserPeak(t), ms);
  }

  stop(kind: "publish" | "play"): Promise<void> {
    return this.page.evaluate((k) => (window as unknown as PageWindow).T.stop(k), kind);
  }

  /** framesDecoded of the playing stream's inbound video (the SDK's getStats). */
  framesDecoded(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.framesDecoded());
  }

  /** totalAudioEnergy of the playing stream's inbound audio (the SDK's getStats). */
  audioEnergy(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.audioEnergy());
  }

  localSize(): Promise<number[]> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.localSize());
  }

  events(): Promise<StatusEvent[]> {
    return this.page.evaluate(() => (window as unknown as PageWindow).T.events);
  }

  close(): Promise<void> {
    return this.page.close().catch(() => {});
  }
}

export class ChromiumHarness {
  readonly browser: Browser;
  readonly pageUrl: string;
  private readonly server: Server;
  private readonly pages: SdkPage[] = [];

  private constructor(browser: Browser, server: Server) {
    this.browser = browser;
    this.server = server;
    this.pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  /** Opens the test page and connects its SDK session to `wsUrl` (`custom`: createSession's, e.g. credentials). */
  async open(wsUrl: string, custom?: Record<string, unknown>): Promise<SdkPage> {
    const page = await this.browser.newPage();
    const sdkPage = new SdkPage(page);
    this.pages.push(sdkPage);
    page.on("pageerror", (err) => console.log("page error:", err.message));
    let consoleLog = "";
    page.on("console", (m) => (consoleLog += `${m.type()}: ${m.text()}\n`));
    page.on("pageerror", (err) => (consoleLog += `page error: ${err.message}\n`));
    keepOutput(`chromium page ${this.pages.length} console`, () => consoleLog);
    await page.goto(this.pageUrl);
    sdkPage.sessionStatus = await page.evaluate(([url, c]) => (window as unknown as PageWindow).T.connect(url, c ?? undefined), [wsUrl, custom ?? null] as const);
    return sdkPage;
  }

  /** Closes every page opened so far. */
  async closePages(): Promise<void> {
    for (const page of this.pages.splice(0)) await page.close();
  }

  async close(): Promise<void> {
    await this.closePages();
    await this.browser.close().catch(() => {});
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  static async start(extraArgs: readonly string[] = []): Promise<ChromiumHarness> {
    const html = readFileSync(PAGE);
    const sdk = readFileSync(SDK);
    const server = createServer((req, res) => {
      if (req.url === "/sdk.js") res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
      else res.writeHead(200, { "content-type": "text/html" }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      // playwright gives every launch a fresh temporary --user-data-dir and removes it on close
      const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
      return new ChromiumHarness(browser, server);
    } catch (err) {
      server.close();
      throw err;
    }
  }
}

/** `extraArgs`, e.g. `--use-file-for-fake-audio-capture=<wav>`, are added to CHROMIUM_ARGS. */
export function startChromium(extraArgs: readonly string[] = []): Promise<ChromiumHarness> {
  return ChromiumHarness.start(extraArgs);
}
