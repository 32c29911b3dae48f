/**
 * The raw RTMP TCP byte streams of the fixture index (#4..#7): the copy-OK FFmpeg ones from
 * fixtures/, the Flash/Akamai ones in place from ../shared/fixtures (skipped when absent).
 */
import { readFileSync } from "node:fs";
import { fixture, sharedFixture } from "../support/fixtures.ts";

export interface CapturedStream {
  readonly name: string;
  /** the whole direction, handshake included */
  readonly bytes: Uint8Array;
  /** "client" when these bytes are C0 C1 C2 + client chunks */
  readonly side: "client" | "server";
}

export const HANDSHAKE_BYTES = 1 + 2 * 1536;

export function capturedStreams(): CapturedStream[] {
  const out: CapturedStream[] = [
    { name: "ffmpeg 4.4 play client", bytes: read(fixture("rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin")), side: "client" },
    { name: "ffmpeg 4.4 listen server", bytes: read(fixture("rtmp_tcpstream_ffmpeg4.4_listen-server_server-to-client_aac.bin")), side: "server" },
  ];
  const flash = sharedFixture("rtmp_tcpstream_flashplayer10_play_client-to-server.bin");
  if (flash !== undefined) out.push({ name: "flash player 10 play client", bytes: read(flash), side: "client" });
  const fms = sharedFixture("rtmp_tcpstream_akamai-fms3.0.3_play_server-to-client_h263-nellymoser-aggregate.bin");
  if (fms !== undefined) out.push({ name: "akamai fms 3.0.3 server", bytes: read(fms), side: "server" });
  return out;
}

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
