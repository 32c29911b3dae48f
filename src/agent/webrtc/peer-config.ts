/**
 * werift peer-connection settings from the server config (DESIGN "The WebSocket API and WebRTC"):
 * candidates only on `ice_interface_addresses` (all interfaces when empty), UDP ports inside
 * `media_port_from..media_port_to`, extra advertised addresses from `media_public_address`, and the
 * codecs the server takes: H.264 packetization-mode=1 and the audio codecs asked for (Opus; G.711
 * for players, publishers and relays of a G.711 stream), in that order.
 */
import { isIP } from "node:net";
import { RTCRtpCodecParameters, type RTCPeerConnectionConfig } from "werift";
import type { MediaNetworkConfig } from "./network-config.ts";
import type { AudioChoice } from "./offer-codecs.ts";

const FEEDBACK = [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "ccm", parameter: "fir" }];

export function h264Codec(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: "video/H264",
    clockRate: 90000,
    rtcpFeedback: FEEDBACK,
    parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  });
}

export function opusCodec(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, parameters: "minptime=10;useinbandfec=1" });
}

/** G.711 with the RFC 3551 static payload types. */
export function g711Codec(law: "PCMA" | "PCMU"): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({ mimeType: `audio/${law}`, clockRate: 8000, channels: 1, payloadType: law === "PCMA" ? 8 : 0 });
}

function audioCodec(choice: AudioChoice): RTCRtpCodecParameters {
  return choice === "opus" ? opusCodec() : g711Codec(choice);
}

/** The RTCPeerConnection options for one peer; `audio` lists its audio codecs, first choice first (an offer lists them so). */
export function peerConnectionOptions(net: MediaNetworkConfig, audio: readonly AudioChoice[] = ["opus"]): RTCPeerConnectionConfig {
  const only = net.interfaceAddresses;
  const v4 = only.filter((a) => isIP(a) === 4);
  const v6 = only.filter((a) => isIP(a) === 6);
  return {
    codecs: { video: [h264Codec()], audio: audio.map(audioCodec) },
    icePortRange: [net.portFrom, net.portTo],
    bundlePolicy: "max-bundle",
    ...(only.length > 0
      ? {
          // werift gathers on its own interface list plus `iceAdditionalHostAddresses`; turning the
          // former off leaves exactly the configured addresses (loopback included).
          iceUseIpv4: false,
          iceUseIpv6: false,
          iceAdditionalHostAddresses: [...only],
          iceInterfaceAddresses: {
            ...(v4.length === 1 ? { udp4: v4[0] } : {}),
            ...(v6.length === 1 ? { udp6: v6[0] } : {}),
          },
        }
      : {}),
  };
}

/**
 * Adds a host candidate for every public address beside each gathered host candidate (same port,
 * as a 1:1 NAT maps it), so a browser outside can reach the server. Pure text on the answer.
 */
export function advertisePublicAddresses(answer: string, publicAddresses: readonly string[]): string {
  if (publicAddresses.length === 0) return answer;
  const out: string[] = [];
  for (const line of answer.split("\r\n")) {
    out.push(line);
    const m = /^a=candidate:(\S+) (\d+) (udp|UDP) (\d+) (\S+) (\d+) typ host(.*)$/.exec(line);
    if (!m) continue;
    for (const [i, address] of publicAddresses.entries()) {
      if (address === m[5]) continue;
      // a lower priority than the gathered candidate, a distinct foundation
      const priority = Math.max(1, Number(m[4]) - 1 - i);
      out.push(`a=candidate:${m[1]}p${i} ${m[2]} udp ${priority} ${address} ${m[6]} typ host${m[7]}`);
    }
  }
  return out.join("\r\n");
}
