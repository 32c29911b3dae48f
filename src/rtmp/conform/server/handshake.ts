/** Handshake scenarios (RTMP 1.0 section 5.2; the digest handshake of Flash Player 9 and FFmpeg). */
import { randomBytes } from "node:crypto";
import { sameBytes } from "../../../codecs/bytes.ts";
import { HANDSHAKE_SIZE } from "../../limits.ts";
import { fail, pass, unsupported, type Scenario } from "../scenario.ts";
import { connectApp, fullConnectObject } from "../steps.ts";

export const handshakeScenarios: Scenario[] = [
  {
    id: "HS-1",
    title: "simple handshake (C1 version 0): S0 = 3, S2 echoes C1, connect works",
    clause: "RTMP 1.0 §5.2.2-5.2.4",
    required: true,
    async run(ctx) {
      const client = await ctx.open({ handshake: "simple" });
      const hs = client.handshake!;
      if (hs.s0 !== 3) return fail(`S0 is ${hs.s0}, not 3`);
      const echo = sameBytes(hs.s2.subarray(0, 4), hs.c1.subarray(0, 4)) && sameBytes(hs.s2.subarray(8), hs.c1.subarray(8));
      await connectApp(client, fullConnectObject(ctx.target));
      if (!echo) return fail("S2 does not echo C1's time and random bytes (§5.2.4: S2 MUST carry C1's time and random echo); connect still succeeded");
      return pass(`S0 3, S1 version ${[...hs.s1.subarray(4, 8)].join(".")}, S2 echoes C1, connect succeeded`);
    },
  },
  {
    id: "HS-2",
    title: "digest handshake (FFmpeg's C1, version 9.0.124.2): S1 digest and signed S2",
    clause: "Flash Player 9 handshake (not in RTMP 1.0)",
    required: false,
    async run(ctx) {
      const client = await ctx.open({ handshake: "digest" });
      const hs = client.handshake!;
      await connectApp(client, fullConnectObject(ctx.target));
      if (hs.s1DigestValid && hs.s2SignedForC1) return pass("S1 carries a valid FMS digest, S2 is signed for C1's digest, connect succeeded");
      if (!hs.s1DigestValid && !hs.s2SignedForC1) return unsupported("answered a digest C1 with a simple handshake (connect works; Flash Player would refuse it)");
      return fail(`S1 digest ${hs.s1DigestValid ? "valid" : "missing"}, S2 ${hs.s2SignedForC1 ? "signed" : "not signed"} for C1: a half digest handshake`);
    },
  },
  {
    id: "HS-3",
    title: "C0 with unknown version 10: server answers S0 = 3",
    clause: "RTMP 1.0 §5.2.2 (SHOULD respond with 3)",
    required: false,
    async run(ctx) {
      const client = await ctx.open({ handshake: "none" });
      client.sendBytes(Uint8Array.of(10, ...new Uint8Array(8), ...randomBytes(HANDSHAKE_SIZE - 8)));
      const got = await client.until("S0 or close", () => (client.bytesIn > 0 || client.closed ? true : undefined), ctx.timeoutMs).catch(() => false);
      if (!got) return fail(`neither S0 nor a close within ${ctx.timeoutMs} ms`);
      if (client.bytesIn === 0) return fail("closed the connection without answering (§5.2.2: a server that does not recognise the version SHOULD answer 3)");
      const s0 = client.handshakeBytes[0]![0]!;
      return s0 === 3 ? pass("answered S0 = 3") : fail(`answered S0 = ${s0}`);
    },
  },
];
