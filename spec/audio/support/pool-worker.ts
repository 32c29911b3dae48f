/** A worker for the pool tests: says which thread it is, holds its queue when asked, dies when asked. */
import { threadId } from "node:worker_threads";
import { serveJobs } from "../../../src/audio/worker-pool.ts";

serveJobs({
  whoami: () => ({ result: threadId }),
  /** doubles every byte and hands the buffer back */
  double: (_session, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! * 2;
    return { result: bytes, transfer: [bytes.buffer as ArrayBuffer] };
  },
  hold: (_session, ms: number) => new Promise((resolve) => setTimeout(() => resolve({ result: ms }), ms)),
  die: () => {
    setImmediate(() => {
      throw new Error("worker bug");
    });
    return new Promise(() => {});
  },
});
