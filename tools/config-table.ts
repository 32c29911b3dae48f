/** Prints the README's configuration table from src/config-keys.ts (`npx tsx tools/config-table.ts`). */
import { CONFIG_KEYS } from "../src/config-keys.ts";

console.log("| key | default | meaning |\n|---|---|---|");
for (const [key, def] of Object.entries(CONFIG_KEYS)) {
  const value = Array.isArray(def.default) ? (def.default as string[]).join(",") : String(def.default);
  const type = def.type.kind === "enum" ? ` (${def.type.values.join(" / ")})` : "";
  console.log(`| \`${key}\` | ${value === "" ? "(empty)" : "`" + value + "`"} | ${def.doc}${type} |`);
}
