/**
 * One non-INVITE request to its final response, answering 401/407 on the way (a new client
 * transaction per attempt). Resolves with the final response, whatever its status; rejects with
 * SipTimeoutError (Timer F) or a transport error.
 */

import { SIP_ERR, SipError, SipTimeoutError } from "../errors.ts";
import type { SipRequest, SipResponse } from "../messages.ts";
import type { Authenticator } from "./auth.ts";
import type { SipCore } from "./core.ts";

export function sendNonInvite(core: SipCore, auth: Authenticator, request: SipRequest, onProvisional?: (r: SipResponse) => void): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const attempt = (req: SipRequest) => {
      core.sendRequest(req, {
        onResponse: (response) => {
          if (response.status < 200) {
            onProvisional?.(response);
            return;
          }
          const again = auth.retry(req, response);
          if (again) attempt(again);
          else resolve(response);
        },
        onTimeout: (reason) =>
          reject(reason === "timeout" ? new SipTimeoutError(req.method, core.timers.F) : new SipError(SIP_ERR.TRANSPORT, `${req.method}: the transport failed`)),
      });
    };
    attempt(request);
  });
}
