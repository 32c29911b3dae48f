import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CONFIG_KEYS, envName, loadConfig, parseProperties } from "../src/config.ts";
import { PROPERTIES_EXAMPLE, propertiesExample } from "../tools/properties-example.ts";
import { ConfigError } from "../src/errors.ts";

const test = suite("config");
const dir = mkdtempSync(join(tmpdir(), "transpond-config-"));

function expectConfigError(fn: () => unknown, key: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).key, key);
    return;
  }
  assert.unreachable(`expected a ConfigError naming ${key}`);
}

test("defaults match the ports DESIGN gives", () => {
  const { config } = loadConfig({});
  assert.is(config["http.port"], 8081);
  assert.is(config["https.port"], 8444);
  assert.is(config["ws.port"], 8080);
  assert.is(config["wss.port"], 8443);
  assert.is(config["rtmp.port"], 1935);
  assert.is(config.media_port_from, 31000);
  assert.is(config.media_port_to, 32000);
  assert.is(config.rtmp_transponder_stream_name_prefix, "rtmp_");
});

test("properties text: comments, both separators, continuation lines, empty values", () => {
  const map = parseProperties("# comment\n! other\nhttp.port = 9000\nrtmp.port:1936\nrtmp_transponder_stream_name_prefix=\nmedia_public_address=1.2.3.4,\\\n  5.6.7.8\n");
  assert.is(map.get("http.port"), "9000");
  assert.is(map.get("rtmp.port"), "1936");
  assert.is(map.get("rtmp_transponder_stream_name_prefix"), "");
  assert.is(map.get("media_public_address"), "1.2.3.4,5.6.7.8");
});

test("file, then environment, then --set: later sources win", () => {
  const file = join(dir, "a.properties");
  writeFileSync(file, "http.port=9001\nrtmp.port=1937\nws.port=9100\n");
  const { config } = loadConfig({ file, env: { TRANSPOND_RTMP_PORT: "1938", TRANSPOND_WS_PORT: "9101" }, sets: ["ws.port=9102"] });
  assert.is(config["http.port"], 9001);
  assert.is(config["rtmp.port"], 1938);
  assert.is(config["ws.port"], 9102);
});

test("environment names: dots and dashes become underscores, upper case", () => {
  assert.is(envName("keep_alive.server_interval"), "TRANSPOND_KEEP_ALIVE_SERVER_INTERVAL");
  assert.is(envName("log.level"), "TRANSPOND_LOG_LEVEL");
});

test("unknown keys in a file are reported, not fatal (a flashphoner.properties carries over)", () => {
  const file = join(dir, "wcs.properties");
  writeFileSync(file, "http.port=9003\nice_tcp_transport=true\nwcs_activity_timer_timeout=86400000\n");
  const { config, unknownKeys } = loadConfig({ file });
  assert.is(config["http.port"], 9003);
  assert.equal(unknownKeys, ["ice_tcp_transport", "wcs_activity_timer_timeout"]);
});

test("bad values are errors naming the key", () => {
  expectConfigError(() => loadConfig({ sets: ["http.port=80a"] }), "http.port");
  expectConfigError(() => loadConfig({ sets: ["rtmp.port=70000"] }), "rtmp.port");
  expectConfigError(() => loadConfig({ sets: ["log.json=maybe"] }), "log.json");
  expectConfigError(() => loadConfig({ sets: ["log.level=loud"] }), "log.level");
  expectConfigError(() => loadConfig({ env: { TRANSPOND_HTTP_PORT: "-1" } }), "http.port");
  expectConfigError(() => loadConfig({ sets: ["no_such_key=1"] }), "no_such_key");
  expectConfigError(() => loadConfig({ sets: ["media_port_from=33000"] }), "media_port_from");
  expectConfigError(() => loadConfig({ file: join(dir, "missing.properties") }), "--config");
});

test("booleans and lists parse the common spellings", () => {
  const { config } = loadConfig({ sets: ["log.json=yes", "disable_rest_auth=false", "ice_interface_addresses= 127.0.0.1 , ::1 ,"] });
  assert.is(config["log.json"], true);
  assert.is(config.disable_rest_auth, false);
  assert.equal(config.ice_interface_addresses, ["127.0.0.1", "::1"]);
});

test("the README lists every configuration key with its default", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  for (const [key, def] of Object.entries(CONFIG_KEYS)) {
    const shown = Array.isArray(def.default) ? (def.default as string[]).join(",") : String(def.default);
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
    assert.ok(row, `README has no row for ${key}`);
    assert.ok(row!.includes(`| \`${shown}\` |`) || (shown === "" && row!.includes("| (empty) |")), `README row for ${key} does not show default "${shown}"`);
  }
});

test("examples/transpond.properties is current and lists every key; uncommented it loads the defaults", () => {
  const example = readFileSync(PROPERTIES_EXAMPLE, "utf8");
  assert.fixture(example, propertiesExample(), "run npx tsx tools/properties-example.ts");
  for (const key of Object.keys(CONFIG_KEYS)) assert.ok(example.includes(`\n#${key}=`), `no line for ${key}`);
  const file = join(dir, "uncommented.properties");
  writeFileSync(file, example.replace(/^#([a-z_.]+=)/gm, "$1"));
  const { config, unknownKeys } = loadConfig({ file });
  assert.equal(unknownKeys, []);
  assert.equal(config, loadConfig({}).config);
});

test.run();
