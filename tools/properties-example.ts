/**
 * Writes examples/transpond.properties from src/config-keys.ts: every key commented out at its
 * default with its meaning, so a copy changes nothing until a line is uncommented
 * (`npx tsx tools/properties-example.ts`; spec/config.test.ts checks the file is current).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_KEYS, type KeyType } from "../src/config-keys.ts";

export const PROPERTIES_EXAMPLE = fileURLToPath(new URL("../examples/transpond.properties", import.meta.url));

function typeText(type: KeyType): string {
  switch (type.kind) {
    case "int":
      return type.max === Number.MAX_SAFE_INTEGER ? `integer >= ${type.min}` : `integer ${type.min}..${type.max}`;
    case "bool":
      return "true or false";
    case "list":
      return "comma-separated list";
    case "enum":
      return type.values.join(" | ");
    case "string":
      return "text";
  }
}

export function propertiesExample(): string {
  const lines = [
    "# Transpond configuration: copy to ./transpond.properties (read at start when present) or pass",
    "# --config FILE. Every key is shown at its default, commented out; uncomment a line to change it.",
    "# Each key can also be set with --set key=value or TRANSPOND_<KEY> (dots and dashes become",
    "# underscores, upper case). Generated from src/config-keys.ts by tools/properties-example.ts.",
  ];
  for (const [key, def] of Object.entries(CONFIG_KEYS)) {
    const value = Array.isArray(def.default) ? (def.default as string[]).join(",") : String(def.default);
    lines.push("", `# ${def.doc} (${typeText(def.type)})`, `#${key}=${value}`);
  }
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeFileSync(PROPERTIES_EXAMPLE, propertiesExample());
