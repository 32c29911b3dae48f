/** Small SIP messages for transaction and dialog tests. */
import type { SipRequest, SipResponse } from "../../../src/sip/messages.ts";

export function request(method: string, branch = "z9hG4bKtest1"): SipRequest {
  return {
    type: "request",
    method,
    uri: "sip:bob@127.0.0.1:5080",
    headers: [
      { name: "Via", value: `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}` },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: "<sip:alice@127.0.0.1>;tag=ft" },
      { name: "To", value: "<sip:bob@127.0.0.1>" },
      { name: "Call-ID", value: "call-1" },
      { name: "CSeq", value: `1 ${method}` },
    ],
    body: new Uint8Array(0),
  };
}

export function response(req: SipRequest, status: number, toTag = "tt"): SipResponse {
  return {
    type: "response",
    status,
    reason: "X",
    headers: req.headers.filter((h) => h.name !== "Max-Forwards").map((h) => (h.name === "To" && status > 100 ? { name: "To", value: `${h.value};tag=${toTag}` } : h)),
    body: new Uint8Array(0),
  };
}
