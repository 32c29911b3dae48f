/**
 * `transpond trace`: the RTMP sessions of a packet capture, one entry per RTMP message, plus the
 * conformance problems found. Pure: bytes of a pcap/pcapng file in, a TraceResult out.
 *
 * Sessions are TCP streams on one of `ports` (default 1935) or, on any port, streams whose first
 * client byte is C0 = 3 followed by at least a C1. Each direction skips its 3073 handshake bytes
 * (C0+C1+C2 / S0+S1+S2; versions and digest schemes are reported) and goes through a ChunkReader;
 * every message gets the frame number and time of the TCP segment that completed it (what
 * Wireshark's RTMP dissector reports too).
 *
 * Problems: timestamps going backwards per direction + message stream + type (audio, video), media
 * before its sequence header (AVC NALUs, raw AAC), messages interrupted before their announced
 * length, chunk stream errors (a chunk longer than the announced chunk size desynchronises the
 * reader and shows up here), oversized messages, unknown message types, undecodable bodies, TCP
 * gaps and incomplete handshakes.
 */
import { errorMessage, ParseError } from "../errors.ts";
import type { Amf0Value } from "../flv/amf0.ts";
import { readCapture } from "../pcap/capture-file.ts";
import { tcpStreams, type TcpDirection, type TcpStream } from "../pcap/tcp.ts";
import { ChunkReader, type RtmpRawMessage } from "./chunk/reader.ts";
import { findDigest, FMS_KEY_PUBLIC, FP_KEY_PUBLIC, type DigestScheme } from "./handshake-digest.ts";
import { TRACE_ERR } from "./errors.ts";
import { HANDSHAKE_SIZE, type RtmpLimits } from "./limits.ts";
import { decodeMessage, MESSAGE_TYPE, messageTypeName, type MessageBody } from "./messages.ts";
import { describeAudio, describeVideo, needsSequenceHeader, type MediaInfo } from "./trace-media.ts";

export interface TraceOptions {
  /** TCP ports that mark a stream as RTMP (default [1935]); other streams are taken by handshake shape */
  readonly ports?: readonly number[];
  readonly limits?: Partial<RtmpLimits>;
}

export type TraceDirection = "C->S" | "S->C";

export interface TraceSession {
  readonly index: number;
  readonly client: string;
  readonly server: string;
  /** C1 / S1 version field as dotted bytes ("9.0.124.2"; "0.0.0.0" for a simple handshake) */
  readonly clientVersion?: string;
  readonly serverVersion?: string;
  readonly clientDigestScheme?: DigestScheme;
  readonly serverDigestScheme?: DigestScheme;
  /** frames that carried C0+C1 and S0+S1 */
  readonly handshakeFrames: readonly number[];
}

export interface TraceMessage {
  readonly session: number;
  /** capture frame that completed the message */
  readonly frame: number;
  /** seconds since the first packet of the capture */
  readonly time: number;
  readonly direction: TraceDirection;
  readonly chunkStreamId: number;
  readonly messageStreamId: number;
  /** RTMP timestamp, ms */
  readonly timestamp: number;
  readonly typeId: number;
  /** "CommandAMF0 (20)" */
  readonly type: string;
  readonly length: number;
  /** command name (17/20), or the first string of a data message (15/18) */
  readonly command?: string;
  readonly transactionId?: number;
  /** every AMF0 value of a command or data message, in order (command: name, id, object, args) */
  readonly values?: readonly Amf0Value[];
  /** decoded protocol control / user control body */
  readonly control?: MessageBody;
  readonly media?: MediaInfo;
  /** index (in `messages`) of the aggregate this message came out of */
  readonly parent?: number;
  /** the body did not decode */
  readonly error?: string;
}

export interface TraceProblem {
  readonly session: number;
  readonly direction?: TraceDirection;
  readonly frame?: number;
  readonly time?: number;
  readonly code: string;
  readonly message: string;
}

export interface TraceResult {
  readonly sessions: readonly TraceSession[];
  readonly messages: readonly TraceMessage[];
  readonly problems: readonly TraceProblem[];
}

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(MESSAGE_TYPE));
const RTMP_HANDSHAKE_BYTES = 1 + 2 * HANDSHAKE_SIZE;

interface DirectionState {
  readonly dir: TraceDirection;
  readonly reader: ChunkReader;
  failed: boolean;
  interrupted: number;
}

function looksLikeRtmp(s: TcpStream, ports: readonly number[]): boolean {
  if (s.clientToServer.length === 0 && s.serverToClient.length === 0) return false;
  if (ports.includes(s.server.port) || ports.includes(s.client.port)) return true;
  return s.clientToServer[0] === 3 && s.clientToServer.length >= 1 + HANDSHAKE_SIZE && (s.serverToClient.length === 0 || s.serverToClient[0] === 3);
}

function versionText(block: Uint8Array): string {
  return [...block.subarray(4, 8)].join(".");
}

/** Decodes the RTMP sessions of a pcap or pcapng file. Throws ParseError only for a broken capture file. */
export function traceCapture(bytes: Uint8Array, options: TraceOptions = {}): TraceResult {
  const packets = readCapture(bytes);
  const t0 = packets[0]?.time ?? 0;
  const ports = options.ports ?? [1935];
  const sessions: TraceSession[] = [];
  const messages: TraceMessage[] = [];
  const problems: TraceProblem[] = [];

  for (const stream of tcpStreams(packets)) {
    if (!looksLikeRtmp(stream, ports)) continue;
    const session = sessions.length;
    const problem = (p: Omit<TraceProblem, "session">): void => void problems.push({ session, ...p });
    const c2s = stream.clientToServer;
    const s2c = stream.serverToClient;
    const c1 = c2s.subarray(1, 1 + HANDSHAKE_SIZE);
    const s1 = s2c.subarray(1, 1 + HANDSHAKE_SIZE);
    const hsFrames = stream.segments.filter((g) => g.offset === 0).map((g) => g.frame);
    sessions.push({
      index: session,
      client: `${stream.client.address}:${stream.client.port}`,
      server: `${stream.server.address}:${stream.server.port}`,
      ...(c1.length === HANDSHAKE_SIZE ? { clientVersion: versionText(c1), clientDigestScheme: findDigest(c1, FP_KEY_PUBLIC)?.scheme } : {}),
      ...(s1.length === HANDSHAKE_SIZE ? { serverVersion: versionText(s1), serverDigestScheme: findDigest(s1, FMS_KEY_PUBLIC)?.scheme } : {}),
      handshakeFrames: hsFrames,
    });

    const state: Record<TcpDirection, DirectionState> = {
      clientToServer: { dir: "C->S", reader: new ChunkReader({ limits: options.limits }), failed: false, interrupted: 0 },
      serverToClient: { dir: "S->C", reader: new ChunkReader({ limits: options.limits }), failed: false, interrupted: 0 },
    };
    for (const [key, data] of [["clientToServer", c2s], ["serverToClient", s2c]] as const) {
      const st = state[key];
      if (data.length === 0) continue;
      if (data[0] !== 3) {
        problem({ direction: st.dir, code: TRACE_ERR.HANDSHAKE_VERSION, message: `${st.dir === "C->S" ? "C0" : "S0"} version ${data[0]} is not 3` });
        st.failed = true;
      } else if (data.length < RTMP_HANDSHAKE_BYTES) {
        problem({ direction: st.dir, code: TRACE_ERR.HANDSHAKE_INCOMPLETE, message: `only ${data.length} of the ${RTMP_HANDSHAKE_BYTES} handshake bytes were captured` });
        st.failed = true;
      }
    }

    const checker = new ConformanceChecker(problem);
    for (const seg of stream.segments) {
      const st = state[seg.direction];
      if (st.failed) continue;
      const data = stream[seg.direction];
      const start = Math.max(seg.offset, RTMP_HANDSHAKE_BYTES);
      const end = seg.offset + seg.length;
      if (end <= start) continue;
      const time = seg.time - t0;
      const gap = stream.gaps.find((g) => g.direction === seg.direction && g.offset > RTMP_HANDSHAKE_BYTES && g.offset <= start);
      if (gap !== undefined) {
        problem({ direction: st.dir, frame: seg.frame, time, code: TRACE_ERR.TCP_GAP, message: `${gap.length} bytes of the TCP stream were not captured; decoding of this direction stops` });
        st.failed = true;
        continue;
      }
      let raws: RtmpRawMessage[];
      try {
        raws = st.reader.push(data.subarray(start, end));
      } catch (err) {
        const code = err instanceof ParseError ? err.code : TRACE_ERR.INTERNAL;
        problem({ direction: st.dir, frame: seg.frame, time, code, message: `chunk stream: ${errorMessage(err)} (a chunk longer than the announced chunk size ${st.reader.chunkSize} gives errors like this); decoding of this direction stops` });
        st.failed = true;
        continue;
      }
      if (st.reader.interruptedMessages > st.interrupted) {
        problem({ direction: st.dir, frame: seg.frame, time, code: TRACE_ERR.MESSAGE_INTERRUPTED, message: `${st.reader.interruptedMessages - st.interrupted} message(s) ended before their announced length (a new header came first)` });
        st.interrupted = st.reader.interruptedMessages;
      }
      for (const raw of raws) {
        const at = { session, frame: seg.frame, time, direction: st.dir };
        const index = messages.length;
        const entry = describe(raw, at, undefined);
        messages.push(entry);
        checker.check(entry);
        if (entry.control?.type === "Aggregate") {
          for (const sub of entry.control.messages) {
            const subEntry = describe(sub, at, index);
            messages.push(subEntry);
            checker.check(subEntry);
          }
        }
      }
    }
    for (const st of Object.values(state)) {
      if (!st.failed && st.reader.bytesBuffered > 0) {
        problem({ direction: st.dir, code: TRACE_ERR.TRUNCATED, message: `the capture ends inside a message or chunk (${st.reader.bytesBuffered} bytes left over)` });
      }
    }
  }
  return { sessions, messages, problems };
}

type Where = Pick<TraceMessage, "session" | "frame" | "time" | "direction">;

function describe(raw: RtmpRawMessage, at: Where, parent: number | undefined): TraceMessage {
  const base = {
    ...at,
    chunkStreamId: raw.chunkStreamId,
    messageStreamId: raw.messageStreamId,
    timestamp: raw.timestamp,
    typeId: raw.typeId,
    type: messageTypeName(raw.typeId),
    length: raw.payload.length,
    ...(parent !== undefined ? { parent } : {}),
  };
  let body: MessageBody;
  try {
    body = decodeMessage(raw);
  } catch (err) {
    return { ...base, error: errorMessage(err) };
  }
  switch (body.type) {
    case "Command":
      return { ...base, command: body.name, transactionId: body.transactionId, values: [body.name, body.transactionId, body.commandObject, ...body.args] };
    case "Data":
      return { ...base, ...(typeof body.values[0] === "string" ? { command: body.values[0] } : {}), values: body.values };
    case "Audio":
      return { ...base, media: describeAudio(body.data) };
    case "Video":
      return { ...base, media: describeVideo(body.data) };
    case "Raw":
      return base;
    default:
      return { ...base, control: body };
  }
}

/** Per-session conformance rules over the decoded messages, in capture order. */
class ConformanceChecker {
  private readonly lastTimestamp = new Map<string, number>();
  private readonly sequenceHeaders = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(private readonly problem: (p: Omit<TraceProblem, "session">) => void) {}

  check(m: TraceMessage): void {
    const where = { direction: m.direction, frame: m.frame, time: m.time };
    if (!KNOWN_TYPES.has(m.typeId)) this.problem({ ...where, code: TRACE_ERR.UNKNOWN_TYPE, message: `message type ${m.typeId} is not an RTMP message type (${m.length} bytes on chunk stream ${m.chunkStreamId})` });
    if (m.error !== undefined) this.problem({ ...where, code: TRACE_ERR.UNDECODABLE, message: `${m.type}: ${m.error}` });
    if (m.media?.error !== undefined) this.problem({ ...where, code: TRACE_ERR.UNDECODABLE, message: `${m.type}: ${m.media.error}` });
    if (m.typeId === 8 || m.typeId === 9) {
      const key = `${m.direction}/${m.messageStreamId}/${m.typeId}`;
      const last = this.lastTimestamp.get(key);
      // a drop of more than 2^31 is the 32-bit timestamp wrapping, not going back
      if (last !== undefined && m.timestamp < last && last - m.timestamp < 2 ** 31) {
        this.problem({ ...where, code: TRACE_ERR.TIMESTAMP_BACKWARDS, message: `${m.type} timestamp ${m.timestamp} after ${last} on message stream ${m.messageStreamId}` });
      }
      this.lastTimestamp.set(key, m.timestamp);
    }
    if (m.media !== undefined) {
      const key = `${m.direction}/${m.messageStreamId}/${m.media.kind}`;
      if (m.media.sequenceHeader) this.sequenceHeaders.add(key);
      else if (needsSequenceHeader(m.media) && !this.sequenceHeaders.has(key) && !this.reported.has(key)) {
        this.reported.add(key);
        this.problem({ ...where, code: TRACE_ERR.MEDIA_BEFORE_SEQUENCE_HEADER, message: `${m.media.codec} ${m.media.kind} on message stream ${m.messageStreamId} before its sequence header` });
      }
    }
  }
}
