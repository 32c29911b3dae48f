/**
 * The checks of one client session, judged from what it sent (session.ts records it). Each has a
 * clause like the server scenarios; checks that do not apply to this client (player checks for a
 * publisher) say "not supported" with the reason and are not required for that session; the
 * required ones that apply decide the exit code.
 */
import { amf0Properties, type Amf0Value } from "../../../flv/amf0.ts";
import type { ConformReport } from "../report.ts";
import { fail, pass, unsupported, type Outcome, type ScenarioResult } from "../scenario.ts";
import { isSequenceHeader, type TagKind } from "../test-media.ts";
import { SERVER_CHUNK_SIZE, type ReceivedFromClient, type SessionRecord } from "./session.ts";

type CommandBody = ReceivedFromClient["body"] & { type: "Command" };

interface ClientCheck {
  readonly id: string;
  readonly title: string;
  readonly clause: string;
  readonly required: boolean;
  judge(s: SessionView): Outcome;
}

/** The record with the questions every check asks. */
interface SessionView {
  readonly record: SessionRecord;
  readonly commands: CommandBody[];
  readonly role: "publisher" | "player" | "none";
  readonly media: { kind: TagKind; timestamp: number; data: Uint8Array; index: number }[];
}

function view(record: SessionRecord): SessionView {
  const commands = record.messages.flatMap((m) => (m.body.type === "Command" ? [m.body] : []));
  const role = commands.some((c) => c.name === "publish") ? "publisher" : commands.some((c) => c.name === "play") ? "player" : "none";
  const media = record.messages.flatMap((m, index) =>
    m.body.type === "Audio" || m.body.type === "Video" ? [{ kind: m.body.type === "Audio" ? "audio" as const : "video" as const, timestamp: m.raw.timestamp, data: m.body.data, index }] : []);
  return { record, commands, role, media };
}

const names = (s: SessionView): string => s.commands.map((c) => c.name).join(", ");
const typeOf = (v: Amf0Value | undefined): string => (v === null ? "null" : v === undefined ? "absent" : Array.isArray(v) ? "array" : typeof v);

const CHECKS: ClientCheck[] = [
  {
    id: "CC-1",
    title: "handshake: C0 version 3, C0+C1+C2 complete",
    clause: "RTMP 1.0 §5.2.2",
    required: true,
    judge: (s) => s.record.c0Version !== 3 ? fail(`C0 version ${s.record.c0Version ?? "never sent"}`) : s.record.handshakeDone ? pass("version 3, handshake complete") : fail("the handshake did not complete"),
  },
  {
    id: "CC-2",
    title: "the chunk stream reads cleanly at the chunk sizes the client announced",
    clause: "RTMP 1.0 §5.3.1, §5.4.1",
    required: true,
    judge: (s) => {
      if (s.record.malformed) return fail(s.record.malformed);
      const sizes = s.record.messages.flatMap((m) => (m.body.type === "SetChunkSize" ? [m.body.chunkSize] : []));
      return pass(`${s.record.messages.length} messages${sizes.length ? `, Set Chunk Size ${sizes.join(", ")}` : ", chunk size 128 throughout"}`);
    },
  },
  {
    id: "CC-3",
    title: "connect first, transaction id 1, command object with string app, tcUrl and flashVer",
    clause: "RTMP 1.0 §7.2.1.1; AMF0 §2.4, §2.5",
    required: true,
    judge: (s) => {
      const first = s.commands[0];
      if (!first) return fail("no command at all");
      if (first.name !== "connect") return fail(`first command is ${first.name}, not connect`);
      const props = amf0Properties(first.commandObject);
      if (!props) return fail(`connect command object is ${typeOf(first.commandObject)}, not an object`);
      const wrong = ["app", "tcUrl", "flashVer"].filter((k) => typeof props[k] !== "string").map((k) => `${k} is ${typeOf(props[k])}`);
      if (first.transactionId !== 1) wrong.push(`transaction id ${first.transactionId}`);
      return wrong.length ? fail(wrong.join(", ")) : pass(`app "${String(props.app)}", flashVer "${String(props.flashVer)}"`);
    },
  },
  {
    id: "CC-4",
    title: "reads the server's chunk size: goes on after a 4096-chunked connect _result longer than 128 bytes",
    clause: "RTMP 1.0 §5.4.1",
    required: true,
    judge: (s) => s.commands.length > 1 ? pass(`went on with ${s.commands[1]!.name} after the connect _result`) : fail(`nothing after connect (${SERVER_CHUNK_SIZE}-byte chunk size not honoured?)`),
  },
  {
    id: "CC-5",
    title: "stream commands in order: createStream before publish/play, on the stream id it got",
    clause: "RTMP 1.0 §7.2.1.3, §7.2.2.1, §7.2.2.6",
    required: true,
    judge: (s) => {
      if (s.role === "none") return unsupported(`neither publish nor play (commands: ${names(s)})`);
      const verb = s.role === "publisher" ? "publish" : "play";
      const created = s.commands.findIndex((c) => c.name === "createStream");
      const at = s.commands.findIndex((c) => c.name === verb);
      const cmd = s.commands[at]!;
      const msg = s.record.messages.find((m) => m.body === cmd)!;
      if (created < 0 || created > at) return fail(`${verb} without createStream before it (commands: ${names(s)})`);
      if (msg.raw.messageStreamId !== 1) return fail(`${verb} sent on message stream ${msg.raw.messageStreamId}, createStream answered 1`);
      if (typeof cmd.args[0] !== "string") return fail(`${verb} stream name is ${typeOf(cmd.args[0])}`);
      if (verb === "publish" && !["live", "record", "append", undefined].includes(cmd.args[1] as string)) return fail(`publish type is ${JSON.stringify(cmd.args[1])}`);
      return pass(`${names(s)}`);
    },
  },
  {
    id: "CC-6",
    title: "publisher: sequence headers before the first frame of each track",
    clause: "FLV AVCPacketType/AACPacketType 0; ISO 14496-15",
    required: true,
    judge: (s) => {
      if (s.role !== "publisher") return unsupported(`not a publisher`);
      if (s.media.length === 0) return fail("published no media");
      const problems: string[] = [];
      for (const kind of ["video", "audio"] as TagKind[]) {
        const track = s.media.filter((m) => m.kind === kind);
        if (track.length === 0) continue;
        const avcOrAac = kind === "video" ? (track[0]!.data[0]! & 0x0f) === 7 : track[0]!.data[0]! >> 4 === 10;
        if (avcOrAac && !isSequenceHeader(kind, track[0]!.data)) problems.push(`first ${kind} message is not a sequence header`);
      }
      return problems.length ? fail(problems.join("; ")) : pass(`${s.media.length} media messages, sequence headers first`);
    },
  },
  {
    id: "CC-7",
    title: "publisher: timestamps never go back within a track",
    clause: "RTMP 1.0 §5.3.1.2; FLV",
    required: true,
    judge: (s) => {
      if (s.role !== "publisher") return unsupported("not a publisher");
      for (const kind of ["video", "audio"] as TagKind[]) {
        const track = s.media.filter((m) => m.kind === kind);
        const back = track.findIndex((m, i) => i > 0 && m.timestamp < track[i - 1]!.timestamp);
        if (back > 0) return fail(`${kind} goes back from ${track[back - 1]!.timestamp} to ${track[back]!.timestamp} ms (message ${back})`);
      }
      const last = (k: TagKind) => s.media.filter((m) => m.kind === k).at(-1)?.timestamp ?? 0;
      return pass(`video up to ${last("video")} ms, audio up to ${last("audio")} ms, never back`);
    },
  },
  {
    id: "CC-8",
    title: "publisher: @setDataFrame onMetaData before the media",
    clause: "FLV onMetaData; FMLE @setDataFrame",
    required: false,
    judge: (s) => {
      if (s.role !== "publisher") return unsupported("not a publisher");
      const meta = s.record.messages.findIndex((m) => m.body.type === "Data" && m.body.values.includes("onMetaData"));
      if (meta < 0) return fail("no onMetaData");
      return s.media.length === 0 || meta < s.media[0]!.index ? pass("onMetaData before the first media message") : fail("onMetaData after media");
    },
  },
  {
    id: "CC-9",
    title: "Acknowledgements when the server's window is reached",
    clause: "RTMP 1.0 §5.4.3, §5.4.4",
    required: true,
    judge: (s) => {
      const window = s.record.windowAckSize;
      const acks = s.record.messages.flatMap((m) => (m.body.type === "Acknowledgement" ? [m.body.sequenceNumber] : []));
      // what the client received: S0+S1+S2 (3073 bytes) and every byte after
      const received = 3073 + s.record.bytesSent;
      if (received < window) return acks.length ? pass(`${acks.length} Acknowledgements`) : unsupported(`received only ${received} bytes, less than the window ${window}`);
      if (acks.length === 0) return fail(`no Acknowledgement after receiving ${received} bytes with a window of ${window}`);
      const gaps = acks.map((a, i) => a - (i === 0 ? 0 : acks[i - 1]!));
      const late = gaps.findIndex((g) => g > window + 65536);
      if (late >= 0) return fail(`Acknowledgement ${late + 1} came ${gaps[late]} bytes after the previous one, window ${window}`);
      return pass(`${acks.length} Acknowledgements for ${received} bytes received (first says ${acks[0]})`);
    },
  },
  {
    id: "CC-10",
    title: "publisher: clean unpublish (FCUnpublish, deleteStream or closeStream) before closing",
    clause: "RTMP 1.0 §7.2.2.3; FMLE FCUnpublish",
    required: true,
    judge: (s) => {
      if (s.role !== "publisher") return unsupported("not a publisher");
      const stop = s.commands.filter((c) => ["FCUnpublish", "deleteStream", "closeStream"].includes(c.name)).map((c) => c.name);
      return stop.length ? pass(stop.join(", ")) : fail("closed the connection without FCUnpublish, deleteStream or closeStream");
    },
  },
];

/** The report of one ended session. */
export function judgeSession(record: SessionRecord): ConformReport {
  const v = view(record);
  const flashVer = amf0Properties(v.commands[0]?.commandObject ?? null)?.flashVer;
  const what = v.role === "none" ? "client" : `${v.role} "${String(v.commands.find((c) => c.name === (v.role === "publisher" ? "publish" : "play"))?.args[0])}"`;
  const subject = `${what} from ${record.peer}${typeof flashVer === "string" ? ` (${flashVer})` : ""}`;
  const results: ScenarioResult[] = CHECKS.map((c) => {
    const outcome = c.judge(v);
    // a check that does not apply to this client (a player check for a publisher) cannot decide its exit code
    return { id: c.id, title: c.title, clause: c.clause, required: c.required && outcome.verdict !== "unsupported", ms: 0, ...outcome };
  });
  return { subject, results };
}

export const CLIENT_CHECK_IDS = CHECKS.map((c) => c.id);
