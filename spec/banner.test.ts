/** The start banner's line about the media sockets' receive buffer (src/banner.ts). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startBanner, type BannerInput } from "../src/banner.ts";

const test = suite("banner");
const base: BannerInput = {
  version: "0.0.0",
  ports: { http: 8081 },
  config: { bind_address: "127.0.0.1", "https.cert": "", data_dir: "/tmp", "sip.port": 0 },
  access: "loopback",
  externalAddresses: [],
};
const mediaLines = (input: BannerInput) => startBanner(input).filter((l) => l.text.startsWith("media:"));

test("a kernel that gives the media sockets less than media_receive_buffer is named, with the sysctl that lifts the cap", () => {
  const lines = mediaLines({ ...base, mediaReceiveBuffer: { asked: 1048576, granted: 212992 } });
  assert.equal(lines, [
    {
      level: "info",
      text: "media:     UDP receive buffer 208 KiB per socket, less than media_receive_buffer (1024 KiB): the kernel caps it at net.core.rmem_max; with many WebRTC publishers raise that (sysctl -w net.core.rmem_max=1048576) or bursts may be dropped",
    },
  ]);
});

test("no line when the kernel gives what was asked, when media_receive_buffer is 0, or when it could not be probed", () => {
  assert.equal(mediaLines({ ...base, mediaReceiveBuffer: { asked: 1048576, granted: 1048576 } }), []);
  assert.equal(mediaLines({ ...base, mediaReceiveBuffer: { asked: 0, granted: 212992 } }), []);
  assert.equal(mediaLines(base), []);
});

test.run();
