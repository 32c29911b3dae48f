/**
 * openapi.yaml as tests use it: the parsed document, the path template a request path falls under,
 * and a check of a live answer (status described for that operation, content type, JSON body
 * against the schema with ajv, required headers). Tests call `answerProblems` on what they received
 * so the description cannot drift from what the server answers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";

export const OPENAPI_FILE = join(import.meta.dirname, "..", "..", "openapi.yaml");

type Json = Record<string, unknown>;
export interface OpenApiDoc {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Json>>;
  readonly components: Json;
}

export function loadOpenApi(): OpenApiDoc {
  return parse(readFileSync(OPENAPI_FILE, "utf8")) as OpenApiDoc;
}

/** The object a local `$ref` ("#/components/...") points at, or undefined. */
export function resolveRef(doc: OpenApiDoc, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const part of ref.slice(2).split("/")) node = node !== null && typeof node === "object" ? (node as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  return node;
}

function deref<T>(doc: OpenApiDoc, value: T): T {
  const ref = (value as { $ref?: string } | undefined)?.$ref;
  return ref ? (resolveRef(doc, ref) as T) : value;
}

/** `/whip/{stream}/{session}` matches `/whip/cam/abc`; literal parts (`.flv`) must match exactly. */
export function templateOf(doc: OpenApiDoc, path: string): string | undefined {
  return Object.keys(doc.paths).find((template) => {
    const pattern = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("[^/]+");
    return new RegExp(`^${pattern}$`).test(path);
  });
}

const validators = new WeakMap<OpenApiDoc, Ajv2020>();

function ajvFor(doc: OpenApiDoc): Ajv2020 {
  let ajv = validators.get(doc);
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: "openapi", components: doc.components });
    validators.set(doc, ajv);
  }
  return ajv;
}

/** The schema with its local refs pointed at the document added to ajv as "openapi". */
function anchored(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));
}

/** Compiles a schema of the document (throws when it is not valid JSON Schema 2020-12). */
export function compileSchema(doc: OpenApiDoc, schema: unknown): (value: unknown) => string[] {
  const validate = ajvFor(doc).compile(anchored(schema) as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? ""}`));
}

export interface LiveAnswer {
  readonly method: string;
  /** the request path without the query */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** What in a live answer the description does not say; empty when it matches. */
export function answerProblems(doc: OpenApiDoc, answer: LiveAnswer): string[] {
  const where = `${answer.method.toUpperCase()} ${answer.path} -> ${answer.status}`;
  const template = templateOf(doc, answer.path);
  if (!template) return [`${where}: no path of openapi.yaml matches`];
  const operation = doc.paths[template]![answer.method.toLowerCase()] as { responses?: Record<string, unknown> } | undefined;
  if (!operation) return [`${where}: ${template} has no ${answer.method} operation`];
  const response = deref(doc, operation.responses?.[String(answer.status)]) as { content?: Record<string, { schema?: unknown }>; headers?: Record<string, { required?: boolean }> } | undefined;
  if (!response) return [`${where}: status ${answer.status} is not described (${Object.keys(operation.responses ?? {}).join(", ")})`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (header.required && !answer.headers.has(name)) problems.push(`${where}: header ${name} is missing`);
  }
  const type = (answer.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (!response.content) return answer.body === "" ? problems : [...problems, `${where}: a body (${type}) where none is described`];
  const media = response.content[type];
  if (!media) return [...problems, `${where}: content type ${type || "(none)"} is not one of ${Object.keys(response.content).join(", ")}`];
  if (type !== "application/json" || media.schema === undefined) return problems;
  let value: unknown;
  try {
    value = JSON.parse(answer.body);
  } catch {
    return [...problems, `${where}: the body is not JSON`];
  }
  return [...problems, ...compileSchema(doc, media.schema)(value).map((p) => `${where}: ${p}`)];
}

/** fetch() that also returns what answerProblems needs. */
export async function fetchAnswer(url: string, init: RequestInit = {}): Promise<LiveAnswer> {
  const res = await fetch(url, init);
  return { method: init.method ?? "GET", path: new URL(url).pathname, status: res.status, headers: res.headers, body: await res.text() };
}
