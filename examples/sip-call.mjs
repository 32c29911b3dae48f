// A SIP user agent placing a call over UDP: an audio offer (PCMA, PCMU, telephone-event), the
// answer printed when the call is established, a hang-up (BYE) a moment later.
//
//   node examples/sip-call.mjs 127.0.0.1:5060 service [seconds]
import { buildSipOffer, serializeSdp } from "transpond/sdp";
import { UdpTransport, UserAgent } from "transpond/sip";

const [domain, target, seconds = "1"] = process.argv.slice(2);
if (!domain || !target) {
  console.error("usage: node sip-call.mjs HOST[:PORT] USER [SECONDS]");
  process.exit(2);
}

const transport = await UdpTransport.listen("127.0.0.1", 0);
const ua = new UserAgent({ transport, user: "transpond-example", domain });
// The offer names a local port for RTP; this example sends no media.
const offer = serializeSdp(buildSipOffer({ address: "127.0.0.1", audioPort: 40000, hasAudio: true, hasVideo: false }));
const call = ua.call(target, { sdp: offer });
call.on("state", ({ from, to }) => console.log(`call: ${from} -> ${to}`));
call.on("ringing", () => console.log("ringing"));

const outcome = await new Promise((resolve) => {
  call.once("established", ({ sdp }) => resolve({ sdp }));
  call.once("failed", (error) => resolve({ error }));
});
if (outcome.error) {
  console.error(`call failed: ${outcome.error.code} ${outcome.error.message}`);
  process.exitCode = 1;
} else {
  console.log(`answered:\n${outcome.sdp.trim()}`);
  await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  await call.hangup();
  console.log("hung up");
}
ua.dispose();
await transport.close();
