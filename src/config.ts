/**
 * Configuration: a `key=value` properties file, then `TRANSPOND_<KEY>` environment variables, then
 * `--set key=value`, later sources winning. Bad values are errors naming the key; unknown keys are
 * returned as warnings so a WCS `flashphoner.properties` can be used as it is.
 */
import { readFileSync, existsSync } from "node:fs";
import { CONFIG_KEYS, type Config, type ConfigKey, type KeyType } from "./config-keys.ts";
import { ConfigError } from "./errors.ts";

export { CONFIG_KEYS, type Config, type ConfigKey } from "./config-keys.ts";

export interface ConfigSources {
  file?: string;
  env?: Record<string, string | undefined>;
  sets?: string[];
}

export interface LoadedConfig {
  config: Config;
  unknownKeys: string[];
}

/** Parses a Java-style properties text: `#`/`!` comments, `=` or `:` separators, `\` line continuation. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trimStart();
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trimStart();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const sep = line.search(/[=:]/);
    const key = (sep < 0 ? line : line.slice(0, sep)).trim();
    out.set(key, sep < 0 ? "" : line.slice(sep + 1).trim());
  }
  return out;
}

export function envName(key: string): string {
  return "TRANSPOND_" + key.replace(/[.-]/g, "_").toUpperCase();
}

function parseValue(key: string, type: KeyType, raw: string): unknown {
  switch (type.kind) {
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw new ConfigError(key, `expected a whole number, got "${raw}"`);
      const n = Number(raw);
      if (n < type.min || n > type.max) throw new ConfigError(key, `${n} is outside ${type.min}..${type.max}`);
      return n;
    }
    case "bool":
      if (/^(true|yes|on|1)$/i.test(raw)) return true;
      if (/^(false|no|off|0)$/i.test(raw)) return false;
      throw new ConfigError(key, `expected true or false, got "${raw}"`);
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "enum":
      if (!type.values.includes(raw)) throw new ConfigError(key, `expected one of ${type.values.join(", ")}, got "${raw}"`);
      return raw;
    case "string":
      return raw;
  }
}

function isKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

export function defaultConfig(): Config {
  return Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, def]) => [k, def.default])) as unknown as Config;
}

function collectRaw(sources: ConfigSources): { raw: Map<string, string>; unknownKeys: string[] } {
  const raw = new Map<string, string>();
  const unknownKeys: string[] = [];
  if (sources.file !== undefined) {
    if (!existsSync(sources.file)) throw new ConfigError("--config", `file not found: ${sources.file}`);
    for (const [k, v] of parseProperties(readFileSync(sources.file, "utf8"))) {
      if (isKey(k)) raw.set(k, v);
      else unknownKeys.push(k);
    }
  }
  const byEnv = new Map(Object.keys(CONFIG_KEYS).map((k) => [envName(k), k]));
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    const key = byEnv.get(name);
    if (key !== undefined && value !== undefined) raw.set(key, value);
  }
  for (const set of sources.sets ?? []) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new ConfigError("--set", `expected key=value, got "${set}"`);
    const key = set.slice(0, eq).trim();
    if (!isKey(key)) throw new ConfigError(key, "unknown configuration key (see the README's configuration table)");
    raw.set(key, set.slice(eq + 1).trim());
  }
  return { raw, unknownKeys };
}

export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const { raw, unknownKeys } = collectRaw(sources);
  const config = defaultConfig() as Record<string, unknown>;
  for (const [key, value] of raw) config[key] = parseValue(key, CONFIG_KEYS[key as ConfigKey].type, value);
  if ((config.media_port_from as number) > (config.media_port_to as number)) {
    throw new ConfigError("media_port_from", `must not be above media_port_to (${config.media_port_to as number})`);
  }
  return { config: config as Config, unknownKeys };
}

/** Some keys of a Config; the others keep their defaults. */
export type ConfigOverrides = Partial<{ -readonly [K in ConfigKey]: Config[K] }>;

/** A config with overrides, for tests and embedding. */
export function makeConfig(overrides: ConfigOverrides = {}): Config {
  return { ...defaultConfig(), ...overrides };
}
