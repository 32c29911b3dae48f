// An RtmpPublisher pushing an FLV file to an RTMP server at real-time pace, the way an encoder
// would: handshake, connect, publish, metadata, sequence headers, then the tags of the file.
//
//   node examples/publish-flv.mjs video.flv rtmp://127.0.0.1/live/stream
import { publishFlvFile, RtmpPublisher } from "transpond/rtmp";

const [file, url] = process.argv.slice(2);
if (!file || !url) {
  console.error("usage: node publish-flv.mjs FILE.flv rtmp://host[:port]/app/stream");
  process.exit(2);
}

// The URL's last path segment is the stream name.
const publisher = new RtmpPublisher(url);
publisher.on("state", ({ from, to }) => console.log(`publisher: ${from} -> ${to}`));
publisher.on("close", ({ reason }) => console.log(`connection closed: ${reason}`));
const abort = new AbortController();
process.once("SIGINT", () => abort.abort());

await publisher.start();
console.log(`publishing ${file}`);
try {
  const result = await publishFlvFile(publisher, file, { signal: abort.signal });
  console.log(`sent ${result.tags} tags, last timestamp ${result.lastTimestamp} ms`);
} finally {
  await publisher.stop();
}
