/**
 * The client checker against our raw client behaving badly and well: media before its sequence
 * header, a timestamp going back and no unpublish fail their checks; a clean publish passes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClientChecker } from "../../../src/rtmp/conform/client/checker.ts";
import { exitCode, type ConformReport } from "../../../src/rtmp/conform/report.ts";
import { RawClient } from "../../../src/rtmp/conform/raw-client.ts";
import { parseConformTarget } from "../../../src/rtmp/conform/runner.ts";
import { publishStarted, sendMetadata, sendTags, unpublish } from "../../../src/rtmp/conform/steps.ts";
import { gopTags, type MediaTag } from "../../../src/rtmp/conform/test-media.ts";
import { waitFor } from "../../support/net.ts";

async function session(act: (client: RawClient, url: string) => Promise<void>, handshake: "digest" | "none" = "digest"): Promise<ConformReport> {
  const reports: ConformReport[] = [];
  const checker = new ClientChecker({ onReport: (r) => reports.push(r) });
  const port = await checker.listen(0);
  try {
    const client = await RawClient.open("127.0.0.1", port, 3000, { handshake });
    await act(client, `rtmp://127.0.0.1:${port}/live`);
    client.close();
    return await waitFor("the session report", () => reports[0], 5000);
  } finally {
    await checker.close();
  }
}

const verdict = (r: ConformReport, id: string) => r.results.find((x) => x.id === id)!;

test("a clean publish passes every check that applies; exit code 0", async () => {
  const report = await session(async (client, url) => {
    const p = await publishStarted(client, parseConformTarget(url), "good");
    sendMetadata(p, { width: 64 });
    sendTags(p, gopTags({ gops: 1 }));
    unpublish(p);
    await client.call("createStream", null); // the checker has seen everything before this answer
  });
  assert.equal(report.results.filter((r) => r.verdict !== "pass").map((r) => [r.id, r.verdict, r.required]), [["CC-9", "unsupported", false]]);
  assert.match(report.subject, /^publisher "good" from 127\.0\.0\.1:\d+ \(FMLE\/3\.0/);
  assert.is(exitCode(report), 0);
});

test("media before the sequence header, a timestamp going back and no unpublish fail; exit code 1", async () => {
  const report = await session(async (client, url) => {
    const p = await publishStarted(client, parseConformTarget(url), "bad");
    const tags = gopTags({ gops: 1, audio: false });
    const broken: MediaTag[] = [tags[1]!, tags[0]!, ...tags.slice(2, 5), { ...tags[5]!, timestamp: 10 }];
    sendTags(p, broken);
    await client.call("createStream", null);
  });
  assert.is(verdict(report, "CC-6").verdict, "fail");
  assert.is(verdict(report, "CC-6").detail, "first video message is not a sequence header");
  assert.is(verdict(report, "CC-7").detail, "video goes back from 120 to 10 ms (message 5)");
  assert.is(verdict(report, "CC-8").detail, "no onMetaData");
  assert.is(verdict(report, "CC-10").verdict, "fail");
  assert.is(exitCode(report), 1);
});

test("a peer that is not RTMP fails the handshake check", async () => {
  const report = await session(async (client) => {
    client.sendBytes(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    await client.waitClosed(200);
  }, "none");
  assert.is(verdict(report, "CC-1").detail, "C0 version 71");
  assert.is(exitCode(report), 1);
});

test.run();
