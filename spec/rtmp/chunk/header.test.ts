import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeChunkHeader, encodeChunkHeader, type ChunkHeader } from "../../../src/rtmp/chunk/header.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/#.*$/gm, "").replace(/\s+/g, ""), "hex"));

/** One table drives decode and encode (go-rtmp chunk_header_test.go style). */
const CASES: readonly { name: string; hex: string; header: ChunkHeader }[] = [
  {
    name: "fmt 0 on csid 3 (FFmpeg's connect)",
    hex: `03             # 00 000011: fmt 0, csid 3
          000000         # timestamp 0
          0000c6         # message length 198
          14             # type 20 (command AMF0)
          00000000       # message stream id 0 (little endian)`,
    header: { fmt: 0, chunkStreamId: 3, timestampField: 0, messageLength: 198, typeId: 20, messageStreamId: 0, extendedTimestamp: undefined },
  },
  {
    name: "fmt 0 with a little-endian stream id and an extended timestamp",
    hex: `04 ffffff 000010 09 01000000   # ts field 0xFFFFFF, 16 bytes, video, stream 1
          12345678                       # extended timestamp`,
    header: { fmt: 0, chunkStreamId: 4, timestampField: 0xffffff, messageLength: 16, typeId: 9, messageStreamId: 1, extendedTimestamp: 0x12345678 },
  },
  {
    name: "fmt 1 with a 2-byte basic header (csid 64 + 6)",
    hex: `40 06          # 01 000000: fmt 1, csid 0 -> one more byte: 64 + 6 = 70
          000021 000100 08`,
    header: { fmt: 1, chunkStreamId: 70, timestampField: 0x21, messageLength: 256, typeId: 8, messageStreamId: undefined, extendedTimestamp: undefined },
  },
  {
    name: "fmt 2 with a 3-byte basic header (csid 64 + 0x0201)",
    hex: `81 01 02       # 10 000001: fmt 2, csid 1 -> two more bytes, LE: 64 + 1 + 2*256 = 577
          000028         # delta 40`,
    header: { fmt: 2, chunkStreamId: 577, timestampField: 40, messageLength: undefined, typeId: undefined, messageStreamId: undefined, extendedTimestamp: undefined },
  },
  { name: "fmt 3 on csid 2", hex: "c2   # 11 000010", header: { fmt: 3, chunkStreamId: 2 } },
];

const s = suite("chunk header");
for (const c of CASES) {
  s(`decodes ${c.name}`, () => {
    const bytes = hex(c.hex);
    assert.equal(decodeChunkHeader(bytes), { header: c.header, size: bytes.length });
  });
  s(`encodes ${c.name}`, () => {
    assert.is(Buffer.from(encodeChunkHeader(c.header)).toString("hex"), Buffer.from(hex(c.hex)).toString("hex"));
  });
}
s("asks for more bytes at every cut of a header", () => {
  for (const c of CASES) {
    const bytes = hex(c.hex);
    for (let cut = 0; cut < bytes.length; cut++) assert.is(decodeChunkHeader(bytes.subarray(0, cut)), undefined, `${c.name} cut at ${cut}`);
  }
});
s("refuses to encode chunk stream ids 0, 1 and above 65599", () => {
  for (const id of [0, 1, 65600]) assert.throws(() => encodeChunkHeader({ fmt: 3, chunkStreamId: id }), /chunk stream id/);
});
s.run();
