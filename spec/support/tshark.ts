/**
 * Wireshark's dissectors as the reference for our decoders. `tsharkPdml` runs `tshark -T pdml` and
 * turns the XML into a small typed tree; `tsharkFields` runs `tshark -T fields` for quick
 * column comparisons. Use them inside `e2eSuite(name, ["tshark"])` so a machine without tshark
 * skips (or fails under TRANSPOND_E2E=required).
 */
import { execFileSync } from "node:child_process";
import { XMLParser } from "fast-xml-parser";

export interface PdmlField {
  readonly name: string;
  /** the value as Wireshark displays it in the field column ("show") */
  readonly show: string;
  /** the raw bytes in hex, when the field has bytes ("value") */
  readonly value: string;
  /** the whole line as in the packet-details pane */
  readonly showname: string;
  /** byte offset in the frame and size, when given */
  readonly pos: number;
  readonly size: number;
  readonly fields: readonly PdmlField[];
}

export interface PdmlProto {
  readonly name: string;
  readonly showname: string;
  readonly pos: number;
  readonly size: number;
  readonly fields: readonly PdmlField[];
}

export interface PdmlPacket {
  /** frame number (1-based) */
  readonly num: number;
  readonly protos: readonly PdmlProto[];
}

export interface TsharkOptions {
  /** display filter (-Y) */
  readonly filter?: string;
  /** "Decode As" rules (-d), e.g. "udp.port==5004,rtp" */
  readonly decodeAs?: readonly string[];
  /** more command-line arguments, e.g. ["-o", "rtp.heuristic_rtp:TRUE"] or ["-2"] */
  readonly options?: readonly string[];
}

const MAX_OUTPUT = 1024 * 1024 * 1024;

function baseArgs(file: string, options: TsharkOptions): string[] {
  const args = ["-r", file];
  for (const rule of options.decodeAs ?? []) args.push("-d", rule);
  if (options.filter) args.push("-Y", options.filter);
  args.push(...(options.options ?? []));
  return args;
}

function runTshark(args: readonly string[]): string {
  return execFileSync("tshark", args, { encoding: "utf8", maxBuffer: MAX_OUTPUT, stdio: ["ignore", "pipe", "ignore"] });
}

type XmlNode = { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
  isArray: (tagName) => tagName === "packet" || tagName === "proto" || tagName === "field",
});

function str(node: XmlNode, key: string): string {
  const v = node[key];
  return typeof v === "string" ? v : v === undefined ? "" : String(v);
}

function num(node: XmlNode, key: string): number {
  const v = Number(str(node, key));
  return Number.isFinite(v) ? v : 0;
}

function children(node: XmlNode, key: string): XmlNode[] {
  const v = node[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === "object" && x !== null) as XmlNode[]) : [];
}

function toField(node: XmlNode): PdmlField {
  return {
    name: str(node, "name"),
    show: str(node, "show"),
    value: str(node, "value"),
    showname: str(node, "showname"),
    pos: num(node, "pos"),
    size: num(node, "size"),
    // Some dissectors nest <proto> inside <field> (e.g. encapsulated protocols): keep them as fields.
    fields: [...children(node, "field"), ...children(node, "proto")].map(toField),
  };
}

function toProto(node: XmlNode): PdmlProto {
  return {
    name: str(node, "name"),
    showname: str(node, "showname"),
    pos: num(node, "pos"),
    size: num(node, "size"),
    fields: [...children(node, "field"), ...children(node, "proto")].map(toField),
  };
}

/** Parses PDML text (what `tshark -T pdml` prints). */
export function parsePdml(xml: string): PdmlPacket[] {
  const doc = parser.parse(xml) as XmlNode;
  const pdml = (doc.pdml ?? {}) as XmlNode;
  return children(pdml, "packet").map((packet) => {
    const protos = children(packet, "proto").map(toProto);
    const geninfo = protos.find((p) => p.name === "geninfo");
    const numField = geninfo?.fields.find((f) => f.name === "num");
    return { num: Number(numField?.show ?? 0), protos };
  });
}

/** Runs `tshark -r FILE -T pdml` and returns the dissected packets. */
export function tsharkPdml(file: string, options: TsharkOptions = {}): PdmlPacket[] {
  return parsePdml(runTshark([...baseArgs(file, options), "-T", "pdml"]));
}

type Node = PdmlPacket | PdmlProto | PdmlField;

function subnodes(node: Node): readonly (PdmlProto | PdmlField)[] {
  return "protos" in node ? node.protos : node.fields;
}

/** Every field named `name` anywhere below `node` (depth first, in document order). */
export function findFields(node: Node, name: string): PdmlField[] {
  const out: PdmlField[] = [];
  const walk = (n: Node) => {
    for (const child of subnodes(n)) {
      if ("show" in child && child.name === name) out.push(child);
      walk(child);
    }
  };
  walk(node);
  return out;
}

/**
 * The protocol layer named `name` (e.g. "sdp", "udp") of a packet, the first one when repeated.
 * A protocol nested inside another's field (SDP inside sip.msg_body) is found too; it then comes
 * as a PdmlField whose `fields` are the protocol's fields.
 */
export function findProto(packet: PdmlPacket, name: string): PdmlProto | PdmlField | undefined {
  return packet.protos.find((p) => p.name === name) ?? findFields(packet, name)[0];
}

/** `show` of the first field named `name` below `node`, or undefined. */
export function fieldShow(node: Node, name: string): string | undefined {
  return findFields(node, name)[0]?.show;
}

/** `show` of every field named `name` below `node`. */
export function fieldShows(node: Node, name: string): string[] {
  return findFields(node, name).map((f) => f.show);
}

/**
 * Runs `tshark -T fields` and returns one row per displayed packet; `row[i]` holds every occurrence
 * of `fields[i]` in that packet (empty when the field is absent). Byte fields come as plain hex.
 */
export function tsharkFields(file: string, fields: readonly string[], filter?: string, options: Omit<TsharkOptions, "filter"> = {}): string[][][] {
  const args = [...baseArgs(file, { ...options, filter }), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=\u001f", "-E", "quote=n"];
  for (const field of fields) args.push("-e", field);
  const text = runTshark(args);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => {
    const columns = line.split("\t");
    return fields.map((_, i) => {
      const column = columns[i] ?? "";
      return column === "" ? [] : column.split("\u001f");
    });
  });
}

/** Hex text as tshark prints byte fields ("80c8..." or "80:c8:..."), as bytes. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/:/g, ""), "hex"));
}

export interface FollowedTcpStream {
  /** "address:port" of node 0 (the side that sent the stream's first packet) and node 1 */
  readonly node0: string;
  readonly node1: string;
  /** bytes node 0 sent, and node 1 sent, as Wireshark's "Follow TCP Stream" reassembles them */
  readonly fromNode0: Uint8Array;
  readonly fromNode1: Uint8Array;
}

/** `tshark -q -z follow,tcp,raw,N`: Wireshark's reassembly of TCP stream N (tcp.stream index). */
export function tsharkFollowTcp(file: string, stream: number, options: Omit<TsharkOptions, "filter"> = {}): FollowedTcpStream {
  const text = runTshark([...baseArgs(file, options), "-q", "-z", `follow,tcp,raw,${stream}`]);
  let node0 = "";
  let node1 = "";
  const from0: string[] = [];
  const from1: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("Node 0: ")) node0 = line.slice(8).trim();
    else if (line.startsWith("Node 1: ")) node1 = line.slice(8).trim();
    else if (/^\t[0-9a-f]+$/.test(line)) from1.push(line.slice(1));
    else if (/^[0-9a-f]+$/.test(line)) from0.push(line);
  }
  return { node0, node1, fromNode0: hexBytes(from0.join("")), fromNode1: hexBytes(from1.join("")) };
}
