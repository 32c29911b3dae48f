import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  digestOffset,
  findDigest,
  FLASH_MEDIA_SERVER_KEY,
  FLASH_PLAYER_KEY,
  FMS_KEY_PUBLIC,
  FP_KEY_PUBLIC,
  signBlock,
  signResponse,
  verifyResponse,
} from "../../src/rtmp/handshake-digest.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { seededBytes } from "../support/fuzz.ts";

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const s = suite("handshake digest");

s("finds the digest of FFmpeg 4.4's C1 at the scheme 0 offset", () => {
  const c1 = read(fixture("rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin")).subarray(1, 1537);
  const found = findDigest(c1, FP_KEY_PUBLIC)!;
  assert.is(found.scheme, 0);
  assert.is(found.digest.byteOffset - c1.byteOffset, digestOffset(c1, 0));
  assert.is(findDigest(c1, FMS_KEY_PUBLIC), undefined, "not valid under the server key");
});

s("validates a real Flash Player 10 / Akamai FMS 3.0.3 digest handshake in both directions", () => {
  const c = sharedFixture("rtmp_tcpstream_flashplayer10_play_client-to-server.bin");
  const f = sharedFixture("rtmp_tcpstream_akamai-fms3.0.3_play_server-to-client_h263-nellymoser-aggregate.bin");
  if (c === undefined || f === undefined) return;
  const client = read(c);
  const server = read(f);
  const c1 = findDigest(client.subarray(1, 1537), FP_KEY_PUBLIC)!;
  const s1 = findDigest(server.subarray(1, 1537), FMS_KEY_PUBLIC)!;
  assert.is(c1.scheme, 1);
  assert.is(s1.scheme, 0);
  assert.ok(verifyResponse(server.subarray(1537, 3073), FLASH_MEDIA_SERVER_KEY, c1.digest), "FMS's S2 is signed for Flash's C1 digest");
  assert.ok(verifyResponse(client.subarray(1537, 3073), FLASH_PLAYER_KEY, s1.digest), "Flash's C2 is signed for FMS's S1 digest");
});

s("signs blocks that it then finds again, under either scheme, without touching other bytes", () => {
  for (const scheme of [0, 1] as const) {
    const block = seededBytes(scheme + 10, 1536);
    const before = block.slice();
    signBlock(block, FMS_KEY_PUBLIC, scheme);
    assert.is(findDigest(block, FMS_KEY_PUBLIC)?.scheme, scheme);
    const at = digestOffset(block, scheme);
    assert.equal(block.subarray(0, at), before.subarray(0, at));
    assert.equal(block.subarray(at + 32), before.subarray(at + 32));
    const response = seededBytes(scheme + 20, 1536);
    signResponse(response, FLASH_MEDIA_SERVER_KEY, block.subarray(at, at + 32));
    assert.ok(verifyResponse(response, FLASH_MEDIA_SERVER_KEY, block.subarray(at, at + 32)));
    response[0]! ^= 1;
    assert.not.ok(verifyResponse(response, FLASH_MEDIA_SERVER_KEY, block.subarray(at, at + 32)));
  }
});

s("finds no digest in random bytes or in a block of the wrong size", () => {
  assert.is(findDigest(seededBytes(3, 1536), FP_KEY_PUBLIC), undefined);
  assert.is(findDigest(seededBytes(3, 100), FP_KEY_PUBLIC), undefined);
});
s.run();
