/**
 * The part of the official Flashphoner Web SDK (`window.Flashphoner`, loaded from the SDK's own
 * browser build) that the pages use, typed. Names and statuses are the SDK's.
 */
import { unreachableMessage } from "./server-url.ts";

export interface SdkStream {
  publish(): void;
  play(): void;
  stop(): void;
  status(): string;
  name(): string;
  getInfo(): string;
  on(event: string, handler: (stream: SdkStream) => void): SdkStream;
}

export interface SdkStreamOptions {
  name: string;
  display: HTMLElement;
  constraints?: { audio: boolean; video: boolean | { width?: number; height?: number } };
  rtmpUrl?: string;
}

export interface SdkSession {
  createStream(options: SdkStreamOptions): SdkStream;
  disconnect(): void;
  status(): string;
  on(event: string, handler: (info: unknown) => void): SdkSession;
}

export interface FlashphonerSdk {
  init(options: Record<string, unknown>): Promise<void> | void;
  createSession(options: { urlServer: string }): SdkSession;
  getMediaAccess(constraints: SdkStreamOptions["constraints"], display: HTMLElement): Promise<unknown>;
  releaseLocalMedia(display: HTMLElement): boolean;
  constants: {
    SESSION_STATUS: Readonly<Record<"ESTABLISHED" | "DISCONNECTED" | "FAILED", string>>;
    STREAM_STATUS: Readonly<Record<"PENDING" | "PUBLISHING" | "PLAYING" | "UNPUBLISHED" | "STOPPED" | "FAILED" | "PLAYBACK_PROBLEM" | "NOT_ENOUGH_BANDWIDTH", string>>;
  };
}

/** The stream statuses a page reports to the user. */
export const WATCHED_STREAM_STATUSES = ["PENDING", "PUBLISHING", "PLAYING", "UNPUBLISHED", "STOPPED", "FAILED", "PLAYBACK_PROBLEM", "NOT_ENOUGH_BANDWIDTH"] as const;

/** The SDK global, initialised once; throws a readable error when the SDK script did not load. */
let ready: Promise<FlashphonerSdk> | undefined;
export function flashphoner(): Promise<FlashphonerSdk> {
  ready ??= (async () => {
    const sdk = (globalThis as { Flashphoner?: FlashphonerSdk }).Flashphoner;
    if (!sdk) throw new Error("the Flashphoner Web SDK did not load");
    await sdk.init({});
    return sdk;
  })();
  return ready;
}

/**
 * Opens a session and resolves when it is ESTABLISHED; rejects on FAILED or DISCONNECTED first with
 * a message naming the URL and what to check.
 */
export function connectSession(sdk: FlashphonerSdk, urlServer: string, onStatus: (status: string) => void): Promise<SdkSession> {
  return new Promise((resolve, reject) => {
    const S = sdk.constants.SESSION_STATUS;
    let established = false;
    const session = sdk.createSession({ urlServer });
    session.on(S.ESTABLISHED, () => {
      established = true;
      onStatus(S.ESTABLISHED);
      resolve(session);
    });
    for (const status of [S.FAILED, S.DISCONNECTED]) {
      session.on(status, () => {
        onStatus(status);
        if (!established) reject(new Error(unreachableMessage(urlServer)));
      });
    }
  });
}
