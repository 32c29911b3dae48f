/**
 * SIPp as the far end of benchmark calls: it answers every INVITE with PCMA and streams a looped
 * 440 Hz A-law file (`rtp_stream`) to the offered port until the BYE. Used by `sip-calls` (calls
 * from our UserAgent) and `cluster-calls` (calls placed through REST /call/startup).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeG711 } from "../src/audio/g711.ts";
import { freeUdpPort, portTaken, waitFor } from "../spec/support/net.ts";

export interface SippUas {
  /** SIP port on 127.0.0.1 */
  readonly port: number;
  readonly child: ChildProcess;
}

function toneFile(dir: string): string {
  const path = join(dir, "tone.al");
  const samples = new Int16Array(8000 * 10);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  writeFileSync(path, encodeG711("PCMA", samples));
  return path;
}

function scenario(dir: string, tone: string): string {
  const path = join(dir, "uas-pcma.xml");
  writeFileSync(path, `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="transpond bench uas: answer PCMA and stream a looped A-law file">
  <recv request="INVITE" />
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
  <recv request="ACK"><action><exec rtp_stream="${tone},-1,8" /></action></recv>
  <recv request="BYE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
</scenario>
`);
  return path;
}

/** Starts SIPp on a free loopback port, its files in `dir`; resolved once it listens. */
export async function startPcmaUas(dir: string): Promise<SippUas> {
  const port = await freeUdpPort();
  const child = spawn("sipp", ["-sf", scenario(dir, toneFile(dir)), "-i", "127.0.0.1", "-p", String(port), "-mp", "36000", "-nostdin", "-max_socket", "4096"], { stdio: "ignore", cwd: dir });
  try {
    await waitFor(`sipp listening on ${port}`, async () => ((await portTaken(port)) ? true : undefined), 5000, 50);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return { port, child };
}
