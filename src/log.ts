/**
 * Leveled logger with a plain-text and a JSON-lines form. Fields whose names look like secrets are
 * masked and URLs lose their password before anything is written, so no call site can leak one.
 */
import { maskCredentials } from "./credentials.ts";

export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

interface LogSettings {
  level: LogLevel;
  json: boolean;
  write: (line: string) => void;
  clock: () => Date;
}

const settings: LogSettings = {
  level: (process.env.TRANSPOND_LOG_LEVEL as LogLevel | undefined) ?? "info",
  json: false,
  write: (line) => process.stderr.write(line + "\n"),
  clock: () => new Date(),
};

export function configureLogging(options: Partial<LogSettings>): void {
  Object.assign(settings, options);
}

const SECRET_FIELD = /pass(word)?|secret|token|authorization|credential/i;


export function redactFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = "***";
    else if (typeof value === "string") out[key] = maskCredentials(value);
    else if (value instanceof Error) out[key] = maskCredentials(value.message);
    else out[key] = value;
  }
  return out;
}

/** A peer's CR/LF (or terminal escapes) in a message must not forge a log line: `\n` -> `\u000a`. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A field whose value is undefined is left out, as JSON lines leave it out (`info: x || undefined`). */
function formatText(time: Date, level: LogLevel, scope: string, message: string, fields: LogFields): string {
  const parts = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)}`);
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} [${scope}] ${escapeControls(message)}${parts.length ? " " + parts.join(" ") : ""}`;
}

function emit(level: LogLevel, scope: string, message: string, fields: LogFields = {}): void {
  if (LOG_LEVELS.indexOf(level) > LOG_LEVELS.indexOf(settings.level)) return;
  const safe = redactFields(fields);
  const text = maskCredentials(message);
  const time = settings.clock();
  settings.write(
    settings.json
      ? JSON.stringify({ time: time.toISOString(), level, scope, msg: text, ...safe })
      : formatText(time, level, scope, text, safe),
  );
}

export function createLogger(scope: string): Logger {
  return {
    error: (m, f) => emit("error", scope, m, f),
    warn: (m, f) => emit("warn", scope, m, f),
    info: (m, f) => emit("info", scope, m, f),
    debug: (m, f) => emit("debug", scope, m, f),
    trace: (m, f) => emit("trace", scope, m, f),
    child: (sub) => createLogger(`${scope}.${sub}`),
  };
}
