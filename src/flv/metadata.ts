/**
 * FLV script data (FLV spec v10, E.4.4): AMF0 values, of which Transpond reads and writes the
 * `onMetaData` ECMA array. Two forms are seen:
 *
 *   in FLV files and RTMP play:   "onMetaData" | ECMA array
 *   in RTMP publish (data msg):   "@setDataFrame" | "onMetaData" | ECMA array
 *
 * Well-known properties (E.5) are typed; all properties, known or not, stay in `properties` in
 * their original order, so a decoded script tag re-encodes to the same bytes.
 */
import { ParseError } from "../errors.ts";
import { Amf0EcmaArray, amf0Properties, decodeAmf0All, encodeAmf0, type Amf0Value } from "./amf0.ts";
import { FLV_ERR } from "./errors.ts";

export type MetadataForm = "onMetaData" | "@setDataFrame";

export interface FlvMetadata {
  readonly duration?: number;
  readonly width?: number;
  readonly height?: number;
  readonly framerate?: number;
  /** 7 for AVC; some encoders write a string such as "avc1". */
  readonly videocodecid?: number | string;
  /** 10 for AAC, 7 G.711 A-law, 8 G.711 µ-law; some encoders write "mp4a". */
  readonly audiocodecid?: number | string;
  readonly audiosamplerate?: number;
  readonly audiosamplesize?: number;
  readonly stereo?: boolean;
  /** kb/s */
  readonly videodatarate?: number;
  /** kb/s */
  readonly audiodatarate?: number;
  readonly encoder?: string;
  readonly filesize?: number;
}

export type ScriptData =
  | { readonly type: "metadata"; readonly form: MetadataForm; readonly metadata: FlvMetadata; readonly properties: Readonly<Record<string, Amf0Value>>; readonly values: readonly Amf0Value[] }
  /** Any other script data (onCuePoint, onTextData, ...): its name and the values after it. */
  | { readonly type: "other"; readonly name: string; readonly values: readonly Amf0Value[] };

const NUMBER_KEYS = ["duration", "width", "height", "framerate", "audiosamplerate", "audiosamplesize", "videodatarate", "audiodatarate", "filesize"] as const;

function typed(props: Readonly<Record<string, Amf0Value>>): FlvMetadata {
  const out: Record<string, number | string | boolean> = {};
  for (const k of NUMBER_KEYS) {
    const v = props[k];
    if (typeof v === "number") out[k] = v;
  }
  for (const k of ["videocodecid", "audiocodecid"] as const) {
    const v = props[k];
    if (typeof v === "number" || typeof v === "string") out[k] = v;
  }
  if (typeof props.stereo === "boolean") out.stereo = props.stereo;
  if (typeof props.encoder === "string") out.encoder = props.encoder;
  return out as FlvMetadata;
}

/** Decodes a script tag body or an RTMP data message. Throws ParseError (AMF0 codes) on bad bytes. */
export function decodeScriptData(bytes: Uint8Array): ScriptData {
  const values = decodeAmf0All(bytes);
  let name = values[0];
  let rest = values.slice(1);
  let form: MetadataForm = "onMetaData";
  if (name === "@setDataFrame") {
    form = "@setDataFrame";
    name = rest[0];
    rest = rest.slice(1);
  }
  if (typeof name !== "string") throw new ParseError(FLV_ERR.SCRIPT_NAME, "script data does not start with a name string", 0);
  if (name !== "onMetaData") return { type: "other", name, values: rest };
  const props = rest[0] === undefined ? undefined : amf0Properties(rest[0]);
  if (!props) throw new ParseError(FLV_ERR.METADATA_NOT_OBJECT, "onMetaData is not followed by an object or ECMA array", 0);
  return { type: "metadata", form, metadata: typed(props), properties: props, values: rest };
}

/**
 * onMetaData as an ECMA array, in the order ffmpeg writes it; `extra` properties (kept as given)
 * come after the known ones.
 */
export function encodeMetadata(metadata: FlvMetadata, form: MetadataForm = "onMetaData", extra: Readonly<Record<string, Amf0Value>> = {}): Uint8Array {
  const order: (keyof FlvMetadata)[] = ["duration", "width", "height", "videodatarate", "framerate", "videocodecid", "audiodatarate", "audiosamplerate", "audiosamplesize", "stereo", "audiocodecid", "encoder", "filesize"];
  const props: Record<string, Amf0Value> = {};
  for (const k of order) {
    const v = metadata[k];
    if (v !== undefined) props[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (!(k in props)) props[k] = v;
  const head: Amf0Value[] = form === "@setDataFrame" ? ["@setDataFrame", "onMetaData"] : ["onMetaData"];
  return encodeAmf0([...head, new Amf0EcmaArray(props)]);
}

/** Re-encodes decoded script data from its values (original form, value types and property order). */
export function encodeScriptData(data: ScriptData): Uint8Array {
  if (data.type === "other") return encodeAmf0([data.name, ...data.values]);
  const head: Amf0Value[] = data.form === "@setDataFrame" ? ["@setDataFrame", "onMetaData"] : ["onMetaData"];
  return encodeAmf0([...head, ...data.values]);
}
