/** connect scenarios (RTMP 1.0 section 7.2.1.1, AMF0 sections 2.5 and 2.10). */
import { amf0Properties, Amf0EcmaArray } from "../../../flv/amf0.ts";
import { fail, pass, unsupported, type Scenario } from "../scenario.ts";
import { connectApp, fullConnectObject } from "../steps.ts";

export const connectScenarios: Scenario[] = [
  {
    id: "CN-1",
    title: "connect with only app and tcUrl",
    clause: "RTMP 1.0 §7.2.1.1",
    required: true,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await connectApp(client, { app: ctx.target.app, tcUrl: ctx.target.tcUrl });
      return pass(`${reply.info!.code}`);
    },
  },
  {
    id: "CN-2",
    title: "connect with every field Flash sends; _result carries properties and an information object",
    clause: "RTMP 1.0 §7.2.1.1",
    required: true,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await connectApp(client, fullConnectObject(ctx.target, {
        fpad: false, capabilities: 15, audioCodecs: 3575, videoCodecs: 252, videoFunction: 1, pageUrl: "", objectEncoding: 0,
      }));
      const props = amf0Properties(reply.command.commandObject ?? null);
      const info = amf0Properties(reply.command.args[0] ?? null);
      if (reply.command.transactionId !== 1) return fail(`_result has transaction id ${reply.command.transactionId}, connect had 1`);
      if (info?.level !== "status") return fail(`information object level is ${String(info?.level)}, not "status"`);
      const fmsVer = typeof props?.fmsVer === "string" ? props.fmsVer : "(no fmsVer)";
      return pass(`_result: ${fmsVer}, ${info.code}, objectEncoding ${String(info.objectEncoding ?? "absent")}`);
    },
  },
  {
    id: "CN-3",
    title: "connect with objectEncoding 3 (AMF3 requested)",
    clause: "RTMP 1.0 §7.2.1.1 (objectEncoding)",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await client.call("connect", fullConnectObject(ctx.target, { objectEncoding: 3 }));
      if (!reply.ok) return unsupported(`refused: ${reply.info?.code ?? reply.command.name} ${reply.info?.description ?? ""}`.trim());
      const answered = amf0Properties(reply.command.args[0] ?? null)?.objectEncoding;
      return pass(`${reply.info?.code}; the answer says objectEncoding ${String(answered ?? "absent")}`);
    },
  },
  {
    id: "CN-4",
    title: "connect with optional user arguments after the command object",
    clause: "RTMP 1.0 §7.2.1.1 (Optional User Arguments)",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await connectApp(client, fullConnectObject(ctx.target), ["conform-user", 42, { token: "x" }]);
      return pass(`${reply.info!.code} with 3 user arguments`);
    },
  },
  {
    id: "CN-5",
    title: "connect command object as an ECMA array instead of an object",
    clause: "AMF0 §2.10 (ECMA Array)",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await client.call("connect", new Amf0EcmaArray(fullConnectObject(ctx.target)));
      if (!reply.ok) return fail(`answered ${reply.command.name} ${reply.info?.code ?? ""}`.trim());
      return pass(`${reply.info?.code}`);
    },
  },
  {
    id: "CN-6",
    title: "server sends Window Acknowledgement Size and Set Peer Bandwidth before the connect _result",
    clause: "RTMP 1.0 §7.2.1.1 (figure), §5.4.4, §5.4.5",
    required: false,
    async run(ctx) {
      const client = await ctx.open();
      const reply = await connectApp(client, fullConnectObject(ctx.target));
      const resultAt = client.messages.findIndex((m) => m.body === reply.command);
      const before = client.messages.slice(0, resultAt).map((m) => m.body);
      const win = before.find((b) => b.type === "WindowAckSize");
      const bw = before.find((b) => b.type === "SetPeerBandwidth");
      const seen = `${win?.type === "WindowAckSize" ? `Window Ack Size ${win.size}` : "no Window Ack Size"}, ${bw?.type === "SetPeerBandwidth" ? `Set Peer Bandwidth ${bw.size} limit ${bw.limitType}` : "no Set Peer Bandwidth"}`;
      return win && bw ? pass(seen) : fail(seen);
    },
  },
];
