import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeServerPorts, defaultRtmpUrl, httpFlvPath, initialStreamName, signalingUrl, signalingWarning, unreachableMessage } from "../../../src/web/client/server-url.ts";

const test = suite("web/client/server-url");
const at = (url: string) => {
  const u = new URL(url);
  return { protocol: u.protocol, hostname: u.hostname, search: u.search };
};

test("an http page connects to ws on port 8080 and an https page to wss on 8443 of the same host, like the Flashphoner demos", () => {
  assert.is(signalingUrl(at("http://media.example.com:8081/publisher.html")), "ws://media.example.com:8080");
  assert.is(signalingUrl(at("https://media.example.com:8444/publisher.html")), "wss://media.example.com:8443");
  assert.is(signalingUrl(at("http://[::1]:8081/player.html")), "ws://[::1]:8080", "IPv6 literal in brackets");
});

test("the ports the serving server reports (/server.json) are used: ws for an http page, wss for an https page, its RTMP port", () => {
  const ports = decodeServerPorts({ version: "1", ports: { http: 28081, ws: 28080, wss: 28443, rtmp: 21935 } });
  assert.equal(ports, { ws: 28080, wss: 28443, rtmp: 21935 });
  assert.is(signalingUrl(at("http://media.example.com:28081/publisher.html"), ports), "ws://media.example.com:28080");
  assert.is(signalingUrl(at("https://media.example.com:28444/publisher.html"), ports), "wss://media.example.com:28443");
  assert.is(defaultRtmpUrl(at("http://10.1.2.3:28081/publisher.html"), ports), "rtmp://10.1.2.3:21935/live");
  assert.is(signalingUrl(at("http://h/p.html?wsPort=9080"), ports), "ws://h:9080", "the query still wins");
});

test("a /server.json answer that is not one reads as unknown; bad port values read as absent", () => {
  assert.is(decodeServerPorts("nope"), undefined);
  assert.is(decodeServerPorts({ version: "1" }), undefined);
  assert.equal(decodeServerPorts({ ports: { ws: 0, wss: "x", rtmp: 70000 } }), { ws: undefined, wss: undefined, rtmp: undefined });
});

test("a page warns when the server has no listener for the scheme it needs, and says which key to set", () => {
  assert.match(signalingWarning(at("https://h/p.html"), { ws: 8080, rtmp: 1935 }), /wss\.port=0/);
  assert.match(signalingWarning(at("http://h/p.html"), { wss: 8443 }), /ws\.port=0/);
  assert.is(signalingWarning(at("http://h/p.html"), { ws: 8080 }), "");
  assert.is(signalingWarning(at("http://h/p.html"), undefined), "", "unknown server: nothing to say");
});

test("the unreachable message names the URL, the config key and, for wss, the certificate to accept", () => {
  assert.match(unreachableMessage("ws://h:28080"), /cannot reach the signaling server at ws:\/\/h:28080.*ws\.port/);
  const secure = unreachableMessage("wss://h:28443");
  assert.match(secure, /wss\.port/);
  assert.match(secure, /open https:\/\/h:28443 in this browser/);
});

test("?wsPort= and ?server= override the signaling address; invalid values are ignored", () => {
  assert.is(signalingUrl(at("http://h:8081/p.html?wsPort=9080")), "ws://h:9080");
  assert.is(signalingUrl(at("https://h/p.html?wsPort=9443")), "wss://h:9443");
  assert.is(signalingUrl(at("https://h/p.html?server=wss%3A%2F%2Fedge.example%3A443")), "wss://edge.example:443");
  const ignored: [string, string][] = [
    ["port 0", "?wsPort=0"],
    ["port too big", "?wsPort=70000"],
    ["not a number", "?wsPort=80a"],
    ["not a ws URL", "?server=http://h:1"],
    ["script URL", "?server=javascript:alert(1)"],
  ];
  for (const [what, query] of ignored) assert.is(signalingUrl(at(`http://h:8081/p.html${query}`)), "ws://h:8080", what);
});

test("the default RTMP URL is the embedded server's live app on the page's host; ?rtmpUrl= overrides with an rtmp(s) URL only", () => {
  assert.is(defaultRtmpUrl(at("http://10.1.2.3:8081/publisher.html")), "rtmp://10.1.2.3:1935/live");
  assert.is(defaultRtmpUrl(at("https://h/p.html?rtmpUrl=rtmps%3A%2F%2Fa.example%2Fapp")), "rtmps://a.example/app");
  assert.is(defaultRtmpUrl(at("https://h/p.html?rtmpUrl=http%3A%2F%2Fa")), "rtmp://h:1935/live");
});

test("the HTTP-FLV path encodes the stream name", () => {
  assert.is(httpFlvPath("cam1"), "/live/cam1.flv");
  assert.is(httpFlvPath("a b/../c?d"), "/live/a%20b%2F..%2Fc%3Fd.flv");
  assert.is(httpFlvPath("cam 1", "other"), "/other/cam%201.flv");
  assert.is(httpFlvPath("cam", "app/inst ance"), "/app/inst%20ance/cam.flv");
});

test("the first stream name is ?name= or stream- plus four digits", () => {
  assert.is(initialStreamName(at("http://h/p.html?name=%20cam%201%20"), () => 0.5), "cam 1");
  assert.is(initialStreamName(at("http://h/p.html"), () => 0.0421), "stream-0421");
  assert.is(initialStreamName(at("http://h/p.html?name="), () => 0.99999), "stream-9999");
});

test.run();
