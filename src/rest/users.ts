/**
 * REST users: `rest_users` (name:password pairs) and `rest_users_file` (one name:password per line,
 * `#` comments, so passwords stay out of `ps` and shell history). Parsing is strict: an entry
 * without a colon, or with an empty name or password, is a ConfigError naming the entry's position,
 * never a silently shortened user (`adminsecret` once made user `adminsecre`).
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";

export function parseRestUsers(entries: readonly string[], key: string): Map<string, string> {
  const users = new Map<string, string>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(":");
    const where = `entry ${i + 1}`;
    if (colon < 0) throw new ConfigError(key, `${where} has no ':' (expected name:password)`);
    const name = entry.slice(0, colon).trim();
    const password = entry.slice(colon + 1);
    if (name === "") throw new ConfigError(key, `${where} has an empty user name`);
    if (password === "") throw new ConfigError(key, `${where} (user ${name}) has an empty password`);
    if (users.has(name)) throw new ConfigError(key, `${where}: user ${name} is listed twice`);
    users.set(name, password);
  });
  return users;
}

/** Reads `rest_users_file`: blank lines and lines starting with `#` are skipped. */
export function readRestUsersFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("rest_users_file", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
  return parseRestUsers(lines, "rest_users_file");
}

/** Every configured user: `rest_users` and `rest_users_file` together (a name in both is an error). */
export function loadRestUsers(inline: readonly string[], file: string): Map<string, string> {
  const users = parseRestUsers(inline, "rest_users");
  if (file === "") return users;
  for (const [name, password] of readRestUsersFile(file)) {
    if (users.has(name)) throw new ConfigError("rest_users_file", `user ${name} is also in rest_users`);
    users.set(name, password);
  }
  return users;
}
