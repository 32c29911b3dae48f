/**
 * Fakes for the call registry tests: a SIP far end on a real UDP socket of 127.0.0.1 (our own core
 * on the server side, scripted per request), a logger that keeps every line, and a config with a
 * media port range of its own.
 */
import { UdpTransport } from "../../../src/sip/transport/udp.ts";
import { SipCore, type ServerTransaction } from "../../../src/sip/user-agent/core.ts";
import type { SipRequest } from "../../../src/sip/messages.ts";
import type { LogFields, Logger } from "../../../src/log.ts";
import { makeConfig, type Config } from "../../../src/config.ts";
import { mediaPortRange } from "../../support/media-ports.ts";

export type Script = (request: SipRequest, tx: ServerTransaction, core: SipCore) => void;

export class UdpFarEnd {
  readonly requests: SipRequest[] = [];
  readonly acks: SipRequest[] = [];
  readonly cancels: SipRequest[] = [];
  script: Script = () => undefined;

  private constructor(readonly core: SipCore, readonly transport: UdpTransport) {
    core.attach({
      onRequest: (req, tx) => {
        this.requests.push(req);
        this.script(req, tx, core);
      },
      onAck: (req) => this.acks.push(req),
      onCancel: (invite) => {
        this.cancels.push(invite.request);
        invite.respond(core.createResponse(invite.request, 487, { toTag: "far" }));
      },
      onStray2xx: () => undefined,
    });
  }

  static async start(): Promise<UdpFarEnd> {
    const transport = await UdpTransport.listen("127.0.0.1", 0);
    let n = 0;
    return new UdpFarEnd(new SipCore({ transport, random: () => `far${++n}`, userAgent: "FarEnd", timers: { T1: 50, T2: 400, T4: 500 } }), transport);
  }

  get port(): number {
    return this.transport.local.port;
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: unknown;
}

export function memoryLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  const logger: Logger = { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug"), trace: at("trace"), child: () => logger };
  return logger;
}

export function testConfig(overrides: Parameters<typeof makeConfig>[0] = {}): Config {
  return makeConfig({ ...mediaPortRange(50), ...overrides });
}

export const ANSWER_PCMA = (port: number) =>
  `v=0\r\no=far 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\nm=video 0 RTP/AVP 96\r\n`;
