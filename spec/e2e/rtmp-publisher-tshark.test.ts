/**
 * Wireshark's RTMP dissector reads a capture of our publisher's traffic to nginx-rtmp (dumpcap on
 * lo, filtered to nginx's port): no malformed packets or error-level expert items, and the commands
 * in DESIGN's order: connect, releaseStream, FCPublish, createStream, publish, @setDataFrame, then
 * FCUnpublish and deleteStream on stop. Capturing needs root (as here and in CI).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { publishFlvFile } from "../../src/rtmp/client/file-publisher.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { parseRtmpTarget } from "../../src/rtmp/client/url.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sleep, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { cutSource } from "./rtmp-publisher-media.ts";
import { killChildren, run, start } from "../support/process.ts";

const test = e2eSuite("e2e/rtmp publisher traffic dissected by tshark", ["ffmpeg", "nginx", "tshark", "dumpcap"]);
let dir = "";
let capture = "";
let nginx: NginxRtmp | undefined;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-pub-tshark-"));
  const source = await cutSource(dir, 2);
  nginx = await NginxRtmp.start({ record: false });
  capture = join(dir, "publish.pcap");
  const dumpcap = start("dumpcap", ["-q", "-i", "lo", "-f", `tcp port ${nginx.port}`, "-w", capture, "-P"], 60000);
  let stderr = "";
  dumpcap.child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  // dumpcap names its output file once it captures; before that our first packets would be lost
  await waitFor("dumpcap to start capturing", () => (/File: /.test(stderr) ? true : undefined), 10000);
  const publisher = new RtmpPublisher(parseRtmpTarget(nginx.url("live"), { streamName: "cap1", prefix: "" }), { flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", timeoutMs: 5000 });
  await publisher.start();
  await publishFlvFile(publisher, source);
  await publisher.stop();
  // dumpcap hands packets over in blocks (libpcap buffer timeout): give the last ones time to land
  await sleep(1500);
  dumpcap.child.kill("SIGINT");
  const r = await dumpcap.done;
  if (!statSync(capture, { throwIfNoEntry: false })?.size) throw new Error(`dumpcap wrote nothing: ${r.stderr}`);
});

test.after(async () => {
  killChildren();
  await nginx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tsharkArgs(...more: string[]): string[] {
  return ["-r", capture, "-d", `tcp.port==${nginx!.port},rtmpt`, ...more];
}

test("tshark finds no malformed packet and no error-level expert item", async () => {
  const all = await run("tshark", tsharkArgs("-Y", "rtmpt"));
  assert.ok(all.stdout.split("\n").length > 100, `tshark dissected the session as RTMP:\n${all.stdout.slice(0, 500)}${all.stderr}`);
  const bad = await run("tshark", tsharkArgs("-Y", "_ws.malformed || _ws.expert.severity >= error"));
  assert.is(bad.code, 0, bad.stderr);
  assert.is(bad.stdout.trim(), "");
});

test("tshark shows connect, releaseStream, FCPublish, createStream, publish, @setDataFrame, FCUnpublish, deleteStream in that order from the publisher", async () => {
  const r = await run("tshark", tsharkArgs("-Y", `rtmpt && tcp.dstport == ${nginx!.port}`, "-T", "fields", "-e", "amf.string"));
  assert.is(r.code, 0, r.stderr);
  const names = ["connect", "releaseStream", "FCPublish", "createStream", "publish", "@setDataFrame", "FCUnpublish", "deleteStream"];
  // the first AMF string of each command is its name; a TCP segment may carry several messages
  const firstStrings = r.stdout.split("\n").flatMap((line) => line.split(",")).filter((s) => names.includes(s));
  assert.equal(firstStrings, names);
});

test("tshark reads our connect as app live, flashVer, tcUrl and type nonprivate, and publish as (cap1, live)", async () => {
  const r = await run("tshark", tsharkArgs("-Y", `rtmpt && tcp.dstport == ${nginx!.port}`, "-T", "fields", "-e", "amf.string"));
  const strings = r.stdout.split("\n").flatMap((line) => line.split(",")).filter((s) => s !== "");
  const connect = strings.slice(strings.indexOf("connect"), strings.indexOf("releaseStream"));
  const value = (key: string) => connect[connect.indexOf(key) + 1];
  assert.is(value("app"), "live");
  assert.is(value("flashVer"), "FMLE/3.0 (compatible; FMSc/1.0)");
  assert.is(value("tcUrl"), nginx!.url("live"));
  assert.is(value("type"), "nonprivate");
  const publish = strings.slice(strings.indexOf("publish"), strings.indexOf("publish") + 3);
  assert.equal(publish, ["publish", "cap1", "live"]);
});

test.run();
