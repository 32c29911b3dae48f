/**
 * Waiting for the onStatus that answers publish or play: shared by the publisher and the player.
 */
import type { RtmpConnection } from "../session/connection.ts";
import type { CommandMessage } from "../session/events.ts";
import { statusOf, type StatusInfo } from "../session/status.ts";

export interface StatusWait {
  readonly timeoutMs: number;
  /** "ok" ends the wait, an Error fails it, undefined keeps waiting */
  readonly decide: (status: StatusInfo) => "ok" | Error | undefined;
  readonly timeoutError: () => Error;
  /** the connection closed before a decision */
  readonly closedError: (reason: Error | undefined) => Error;
}

export function waitForStatus(conn: RtmpConnection, wait: StatusWait): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(wait.timeoutError()), wait.timeoutMs);
    const onCommand = (command: CommandMessage) => {
      if (command.name !== "onStatus") return;
      const status = statusOf(command);
      const decision = status && wait.decide(status);
      if (decision === "ok") done();
      else if (decision) done(decision);
    };
    const onClose = (reason: Error | undefined) => done(wait.closedError(reason));
    const done = (err?: Error) => {
      clearTimeout(timer);
      conn.off("command", onCommand);
      conn.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    conn.on("command", onCommand);
    conn.on("close", onClose);
  });
}
