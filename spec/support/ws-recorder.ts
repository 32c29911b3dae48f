/**
 * A WebSocket proxy on 127.0.0.1 that records what clients send to a signaling server: each client
 * connection gets its own upstream connection, frames pass both ways unchanged, and every text frame
 * from the client is kept (parsed JSON) per connection, in order.
 *
 *   const recorder = await WsRecorder.start("ws://127.0.0.1:<ws.port>");
 *   ... point the SDK (or the agent) at recorder.url ...
 *   recorder.sessions[0]  // [{message: "connection", data: [...]}, ...]
 *
 * `rewrite` changes what clients send before it goes upstream (a server that answers differently);
 * the recording keeps what the client sent.
 */
import { WebSocket, WebSocketServer } from "ws";

export interface RecordedFrame {
  readonly message: string;
  readonly data: unknown[];
}

export class WsRecorder {
  readonly sessions: RecordedFrame[][] = [];
  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(upstream: string, rewrite: (frame: RecordedFrame) => RecordedFrame = (f) => f): Promise<WsRecorder> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const recorder = new WsRecorder(server, `ws://127.0.0.1:${(server.address() as { port: number }).port}`);
    server.on("connection", (client) => {
      const frames: RecordedFrame[] = [];
      recorder.sessions.push(frames);
      const up = new WebSocket(upstream);
      const early: string[] = [];
      client.on("message", (data, binary) => {
        let text = String(data);
        if (!binary) {
          const frame = JSON.parse(text) as RecordedFrame;
          frames.push(frame);
          text = JSON.stringify(rewrite(frame));
        }
        if (up.readyState === WebSocket.OPEN) up.send(text);
        else early.push(text);
      });
      up.on("open", () => early.splice(0).forEach((t) => up.send(t)));
      up.on("message", (data) => client.readyState === WebSocket.OPEN && client.send(String(data)));
      const closeBoth = () => {
        client.close();
        up.close();
      };
      client.on("close", closeBoth);
      up.on("close", closeBoth);
      client.on("error", closeBoth);
      up.on("error", closeBoth);
    });
    return recorder;
  }

  async close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The shape of a frame: its message name and, for the payload, each key in order with the type of
 * its value (objects recursively, arrays by the shape of their first item). Values themselves
 * (ids, SDP text, user agents) differ between runs; shapes must not.
 */
export function frameShape(frame: RecordedFrame): { message: string; payload: unknown } {
  return { message: frame.message, payload: shapeOf(frame.data[0]) };
}

export function shapeOf(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? ["empty"] : [shapeOf(value[0])];
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeOf(v)]);
  return typeof value;
}
