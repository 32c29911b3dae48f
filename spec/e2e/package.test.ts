/**
 * Transpond as a Node developer gets it: `npm pack`, the tarball installed into an empty folder
 * (offline, from npm's cache, with the versions of our package-lock.json), the examples/ programs
 * copied out of the installed package and run with plain `node` (no TypeScript loader): the gateway
 * answers REST and reports its transponder's states, the publisher pushes an FLV file to nginx-rtmp
 * (the recording decodes), the SIP user agent calls SIPp. A tiny TypeScript program importing every
 * subpath type-checks against the shipped .d.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as assert from "uvu/assert";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { fixture } from "../support/fixtures.ts";
import { freeTcpPort, freeUdpPort, portTaken, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { run } from "../support/process.ts";
import { cutSource, probe, SOURCE_FLV } from "./rtmp-publisher-media.ts";
import { NULL_MUXER_DTS } from "./webrtc-rtmp-rig.ts";

const test = e2eSuite("e2e/package: the packed tarball installed and its examples run with plain node", ["npm", "nginx", "ffmpeg", "ffprobe", "sipp"]);
const ROOT = resolve(import.meta.dirname, "../..");
const SIPP_UAS = join(ROOT, "spec/e2e/sip/uas-answer.xml");
const SUBPATHS = ["transpond", "transpond/rtmp", "transpond/flv", "transpond/sip", "transpond/rtp", "transpond/sdp", "transpond/audio", "transpond/codecs", "transpond/pcap", "transpond/agent"];

let dir = "";
/** the consumer's project: package.json, node_modules/transpond, the examples copied next to them */
let project = "";
let nginx: NginxRtmp | undefined;
const children = new Set<ChildProcess>();

interface Program {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

/** Runs a program in `cwd` with its output collected; killed after `timeoutMs` and in `after`. */
function launch(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Program {
  const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const exit = new Promise<number | null>((done) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      done(code);
    }),
  );
  return { child, output: () => output, exit };
}

async function runToEnd(cmd: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<string> {
  const program = launch(cmd, args, { cwd, timeoutMs });
  const code = await program.exit;
  assert.is(code, 0, `${cmd} ${args.join(" ")} exits 0:\n${program.output()}`);
  return program.output();
}

/**
 * A lockfile for a project whose one dependency is the tarball: the tarball's dependencies at the
 * versions of our own lockfile, so `npm ci --offline` installs them from npm's cache.
 */
function consumerLockfile(tarball: string): object {
  const ours = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: object; bin: object; engines: object; license: string };
  const packages: Record<string, object> = {
    "": { name: "consumer", dependencies: { transpond: `file:${tarball}` } },
    "node_modules/transpond": { version: manifest.version, resolved: `file:${tarball}`, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin, engines: manifest.engines },
  };
  for (const [path, entry] of Object.entries(ours.packages)) if (path !== "" && !entry.dev && !entry.link) packages[path] = entry;
  return { name: "consumer", lockfileVersion: 3, requires: true, packages };
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-package-"));
  // `npm pack` runs `prepare`, which builds dist/ with tsc: minutes on a loaded machine
  await runToEnd("npm", ["pack", "--pack-destination", dir, "--silent"], ROOT, 600_000);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");
  project = join(dir, "consumer");
  mkdirSync(project);
  copyFileSync(join(dir, tarball), join(project, tarball));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { transpond: `file:${tarball}` } }));
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(consumerLockfile(tarball)));
  await runToEnd("npm", ["ci", "--offline", "--no-audit", "--no-fund"], project, 600_000);
  for (const example of readdirSync(join(project, "node_modules/transpond/examples"))) {
    copyFileSync(join(project, "node_modules/transpond/examples", example), join(project, example));
  }
  nginx = await NginxRtmp.start();
});

test.after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await nginx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the package holds the built JavaScript, its types and the examples, and every subpath loads in plain node", async () => {
  const installed = join(project, "node_modules/transpond");
  for (const file of ["dist/index.js", "dist/index.d.ts", "dist/rtmp/index.js", "dist/rtmp/index.d.ts", "examples/gateway.mjs"]) {
    assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
  }
  const script = SUBPATHS.map((s) => `console.log(${JSON.stringify(s)}, Object.keys(await import(${JSON.stringify(s)})).length);`).join("\n");
  writeFileSync(join(project, "load-all.mjs"), script);
  const output = await runToEnd("node", ["load-all.mjs"], project, 60_000);
  for (const subpath of SUBPATHS) assert.match(output, new RegExp(`^${subpath} [1-9]\\d*$`, "m"), `${subpath} has exports`);
});

test("examples/gateway.mjs answers REST, takes an RTMP publish from examples/publish-flv.mjs and prints its transponder's states while it pushes to nginx-rtmp", async () => {
  const httpPort = await freeTcpPort();
  const rtmpPort = await freeTcpPort();
  const gateway = launch("node", ["gateway.mjs"], {
    cwd: project,
    timeoutMs: 180_000,
    env: {
      TRANSPOND_BIND_ADDRESS: "127.0.0.1",
      TRANSPOND_HTTP_PORT: String(httpPort),
      TRANSPOND_RTMP_PORT: String(rtmpPort),
      TRANSPOND_WS_PORT: "0",
      TRANSPOND_DATA_DIR: join(dir, "data"),
      TRANSPOND_MEDIA_DIR: join(dir, "media"),
      TRANSPOND_RECORD_DIR: join(dir, "records"),
      TRANSPOND_RTMP_TRANSPONDER_STREAM_NAME_PREFIX: "",
    },
  });
  await waitFor("the gateway's ready line", () => (/^ready /m.test(gateway.output()) ? true : undefined), 60_000, 100);
  assert.match(gateway.output(), `"http":${httpPort}`);
  const rest = (path: string, body: unknown) => fetch(`http://127.0.0.1:${httpPort}/rest-api/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const none = await rest("stream/find", { name: "cam" });
  assert.is(none.status, 404, "no stream yet");

  const publisher = launch("node", ["publish-flv.mjs", fixture(SOURCE_FLV), `rtmp://127.0.0.1:${rtmpPort}/live/cam`], { cwd: project, timeoutMs: 120_000 });
  await waitFor("the gateway to print the published stream", () => (/^stream cam: published \(rtmp\)$/m.test(gateway.output()) ? true : undefined), 30_000, 100);
  const found = await rest("stream/find", { name: "cam" });
  assert.is(found.status, 200);
  assert.match(JSON.stringify(await found.json()), /"name":"cam"/);

  const push = await rest("push/startup", { streamName: "cam", rtmpUrl: nginx!.url("live") });
  assert.is(push.status, 200, await push.clone().text());
  const pushedTo = `rtmp://127.0.0.1:${nginx!.port}/live`;
  await waitFor("the transponder's ACTIVE line", () => (gateway.output().includes(`transponder cam -> ${pushedTo}: CONNECTING -> ACTIVE`) ? true : undefined), 30_000, 100);
  await waitFor("nginx to record a few seconds", () => (readdirSync(nginx!.recordDir).includes("cam.flv") && readFileSync(nginx!.recording("cam")).length > 300_000 ? true : undefined), 30_000, 200);

  publisher.child.kill("SIGINT");
  assert.is(await publisher.exit, 0, `the publisher stops cleanly on SIGINT:\n${publisher.output()}`);
  await waitFor("the transponder's STOPPED line", () => (new RegExp(`transponder cam -> ${pushedTo}: ACTIVE -> STOPPED`).test(gateway.output()) ? true : undefined), 30_000, 100);
  assert.match(gateway.output(), /^stream cam: unpublished/m);
  const recording = await nginx!.recordingClosed("cam", 20_000);
  // ffmpeg 5.1's null muxer re-times this recording's video to 1/30 s and reports collisions the
  // file does not have (see NULL_MUXER_DTS); the file's own video DTS are checked instead
  assert.is(await decodeErrors(recording, { ignore: NULL_MUXER_DTS }), "", "nginx's recording of the transponder decodes cleanly");
  const dts = (await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=dts", "-of", "csv=p=0", recording])).stdout.trim().split("\n").map(Number);
  assert.ok(dts.length > 30, `${dts.length} video packets recorded`);
  assert.equal(dts.filter((t, i) => i > 0 && !(t > dts[i - 1]!)), [], "video DTS increase strictly");

  gateway.child.kill("SIGTERM");
  assert.is(await gateway.exit, 0, `the gateway stops on SIGTERM:\n${gateway.output()}`);
  assert.match(gateway.output(), /^stopped$/m);
});

test("examples/publish-flv.mjs pushes an FLV file to nginx-rtmp and the recording decodes with the file's codecs", async () => {
  const source = await cutSource(dir, 3, "clip-source.flv");
  const output = await runToEnd("node", ["publish-flv.mjs", source, nginx!.url("live/clip")], project, 120_000);
  assert.match(output, /^sent \d+ tags/m);
  assert.equal(output.match(/^publisher: .*$/gm), ["publisher: idle -> connecting", "publisher: connecting -> publishing", "publisher: publishing -> closed"], "the publisher's state events");
  const recording = await nginx!.recordingClosed("clip", 20_000);
  assert.is(await decodeErrors(recording), "");
  const got = await probe(recording);
  assert.is(got.video?.codec, "h264");
  assert.is(got.video?.width, 480);
  assert.is(got.audio?.codec, "aac");
  assert.ok(got.duration > 2.5, `about 3 s recorded (${got.duration})`);
});

test("examples/sip-call.mjs places a call to a SIPp UAS, prints the answer and hangs up; SIPp's scenario completes", async () => {
  const port = await freeUdpPort();
  const sipp = launch("sipp", ["-sf", SIPP_UAS, "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin", "-timeout", "30s", "-mp", String(port + 2)], { cwd: dir, timeoutMs: 60_000 });
  await waitFor(`sipp listening on ${port}`, async () => ((await portTaken(port)) ? true : undefined), 10_000, 50);
  const started = Date.now();
  const output = await runToEnd("node", ["sip-call.mjs", `127.0.0.1:${port}`, "service", "0.5"], project, 60_000);
  assert.match(output, /^call: early -> established$/m);
  assert.match(output, /^m=audio \d+ RTP\/AVP 8$/m, "the answer is SIPp's");
  assert.match(output, /^hung up$/m);
  assert.ok(Date.now() - started < 20_000, "the program ends once the call is over (no transaction timer keeps it alive)");
  assert.is(await sipp.exit, 0, "SIPp's side completed (INVITE, ACK, BYE)");
});

test("a TypeScript file importing every subpath type-checks against the shipped .d.ts, and a wrong config key does not", async () => {
  writeFileSync(
    join(project, "check.ts"),
    [
      `import { startApp, StreamHub, TranspondError, type App, type Frame } from "transpond";`,
      `import { RtmpPublisher, parseRtmpTarget } from "transpond/rtmp";`,
      `import { FlvReader } from "transpond/flv";`,
      `import { UserAgent, UdpTransport } from "transpond/sip";`,
      `import { decodeRtp } from "transpond/rtp";`,
      `import { parseSdp } from "transpond/sdp";`,
      `import { decodeG711 } from "transpond/audio";`,
      `import { splitAnnexB } from "transpond/codecs";`,
      `import { readCapture } from "transpond/pcap";`,
      `import { startSignaling } from "transpond/agent";`,
      `const app: App = await startApp({ "http.port": 8081, "rtmp.port": 0 });`,
      `app.transponders.on("state", ({ from, to }) => console.log(from, to));`,
      `const hub: StreamHub = app.hub;`,
      `const publisher = new RtmpPublisher(parseRtmpTarget("rtmp://127.0.0.1/live/s", { fullUrl: true }));`,
      `const frame: Frame | undefined = undefined;`,
      `// @ts-expect-error: not a configuration key`,
      `await startApp({ "no.such.key": 1 });`,
      `// @ts-expect-error: a port is a number`,
      `await startApp({ "http.port": "8081" });`,
      `void [hub, publisher, frame, FlvReader, UserAgent, UdpTransport, decodeRtp, parseSdp, decodeG711, splitAnnexB, readCapture, startSignaling, TranspondError];`,
      `await app.stop();`,
      "",
    ].join("\n"),
  );
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const args = ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--typeRoots", join(ROOT, "node_modules/@types"), "--types", "node", "--skipLibCheck"];
  await runToEnd("node", [tsc, ...args, "check.ts"], project, 180_000);
  writeFileSync(join(project, "wrong.ts"), `import { RtmpPublisher } from "transpond/rtmp";\nconst p: number = new RtmpPublisher("rtmp://h/a/s");\nvoid p;\n`);
  const wrong = launch("node", [tsc, ...args, "wrong.ts"], { cwd: project, timeoutMs: 180_000 });
  assert.is.not(await wrong.exit, 0, "tsc rejects a wrongly typed use: the types are real, not any");
  assert.match(wrong.output(), /RtmpPublisher' is not assignable to type 'number'/);
});

test.run();
