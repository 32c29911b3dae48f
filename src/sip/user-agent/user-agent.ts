/**
 * The user agent the core drives: `register()` and `call()` for one SIP account over one
 * transport. It routes in-dialog requests to their call, answers OPTIONS (200 with Allow) and
 * refuses what it does not serve (incoming calls 480, other methods 405, unknown dialogs 481).
 *
 *   const ua = new UserAgent({ transport, user: "1000", domain: "pbx.example", password: "..." });
 *   const call = ua.call("sip:2000@pbx.example", { sdp: offer, delegate: { onOffer } });
 *   call.on("established", ({ sdp }) => ...); await call.hangup();
 */
import { ALLOWED_METHODS, type SipHeader, type SipRequest, type SipResponse } from "../messages.ts";
import { headerValue } from "../message/headers.ts";
import { decodeNameAddr, tagOf } from "../headers/name-addr.ts";
import { dialogKey } from "../dialog.ts";
import { DigestClient } from "../digest.ts";
import { Authenticator } from "./auth.ts";
import { Call, type CallDelegate } from "./call.ts";
import { SipCore, type CoreOptions, type ServerTransaction } from "./core.ts";
import { Registration } from "./registration.ts";

export interface UserAgentOptions extends CoreOptions {
  /** User part of the address of record and of the Contact. */
  readonly user: string;
  /** Domain of the address of record; also the registrar and the default next hop. */
  readonly domain: string;
  readonly password?: string;
  /** Digest username when it differs from `user`. */
  readonly authUser?: string;
  readonly displayName?: string;
  /** `host[:port]` or a SIP URI every request is routed through (a preloaded `;lr` Route). */
  readonly outboundProxy?: string;
  /** Host written in Contact and Via when the transport is bound to a wildcard address. */
  readonly contactHost?: string;
}

export class UserAgent {
  readonly core: SipCore;
  private readonly auth: Authenticator;
  private readonly calls = new Set<Call>();
  private readonly registrations = new Set<Registration>();

  constructor(private readonly options: UserAgentOptions) {
    this.core = new SipCore(options);
    const digest = options.password !== undefined ? new DigestClient({ username: options.authUser ?? options.user, password: options.password }, () => this.core.random()) : undefined;
    this.auth = new Authenticator(digest);
    this.core.attach({
      onRequest: (request, tx) => this.onRequest(request, tx),
      onAck: (request) => this.findCall(request, "From")?.receiveAck(request),
      onCancel: (invite) => invite.respond(this.core.createResponse(invite.request, 487, { toTag: this.core.random() })),
      onStray2xx: (response) => this.findCallById(response)?.receiveStray2xx(response),
    });
  }

  get aor(): string {
    return `sip:${this.options.user}@${this.options.domain}`;
  }

  private get from(): string {
    const name = this.options.displayName ? `"${this.options.displayName.replace(/(["\\])/g, "\\$1")}" ` : "";
    return `${name}<${this.aor}>`;
  }

  get contact(): string {
    const l = this.core.transport.local;
    const host = this.options.contactHost ?? l.host;
    const transport = this.core.transport.protocol === "TCP" ? ";transport=tcp" : "";
    return `<sip:${this.options.user}@${host.includes(":") ? `[${host}]` : host}:${l.port}${transport}>`;
  }

  private get routes(): string[] {
    const proxy = this.options.outboundProxy;
    if (!proxy) return [];
    const uri = /^sips?:/i.test(proxy) ? proxy : `sip:${proxy}`;
    return [`<${uri}${/;lr\b/.test(uri) ? "" : ";lr"}${this.core.transport.protocol === "TCP" && !/transport=/.test(uri) ? ";transport=tcp" : ""}>`];
  }

  /** Starts a registration with the domain's registrar; resolves when it is registered. */
  register(options: { expires?: number } = {}): Registration {
    const registration = new Registration({
      core: this.core,
      auth: this.auth,
      aor: this.aor,
      registrar: `sip:${this.options.domain}`,
      from: `${this.from};tag=${this.core.random()}`,
      contact: this.contact,
      routes: this.routes,
      expires: options.expires ?? 3600,
    });
    this.registrations.add(registration);
    registration.on("unregistered", () => this.registrations.delete(registration));
    return registration;
  }

  /** Calls `target` (a SIP URI, or a user at our domain) with `sdp` as the offer. */
  call(target: string, options: { sdp: string; delegate?: CallDelegate; headers?: readonly SipHeader[] }): Call {
    const uri = /^sips?:/i.test(target) ? target : `sip:${target}@${this.options.domain}`;
    const call = new Call({
      core: this.core,
      auth: this.auth,
      target: uri,
      from: this.from,
      contact: this.contact,
      routes: this.routes,
      sdp: options.sdp,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.delegate ? { delegate: options.delegate } : {}),
    });
    this.calls.add(call);
    call.on("state", ({ to }) => {
      if (to === "terminated") this.calls.delete(call);
    });
    call.start();
    return call;
  }

  /** Calls alive now. */
  get activeCalls(): readonly Call[] {
    return [...this.calls];
  }

  private findCall(request: SipRequest, remoteHeader: "From" | "To"): Call | undefined {
    const callId = headerValue(request, "Call-ID") ?? "";
    const remote = tagOf(decodeNameAddr(headerValue(request, remoteHeader) ?? ""));
    const local = tagOf(decodeNameAddr(headerValue(request, remoteHeader === "From" ? "To" : "From") ?? ""));
    if (!remote || !local) return undefined;
    const key = dialogKey({ callId, localTag: local, remoteTag: remote });
    for (const call of this.calls) if (call.dialogKey === key) return call;
    return undefined;
  }

  private findCallById(response: SipResponse): Call | undefined {
    const callId = headerValue(response, "Call-ID");
    for (const call of this.calls) if (call.callId === callId) return call;
    return undefined;
  }

  private onRequest(request: SipRequest, tx: ServerTransaction): void {
    const allow = [{ name: "Allow", value: ALLOWED_METHODS.join(", ") }];
    const toTag = tagOf(decodeNameAddr(headerValue(request, "To") ?? ""));
    if (toTag) {
      const call = this.findCall(request, "From");
      if (call) call.receiveRequest(request, tx);
      else if (request.method === "OPTIONS") tx.respond(this.core.createResponse(request, 200, { headers: allow }));
      else tx.respond(this.core.createResponse(request, 481));
      return;
    }
    const tag = this.core.random();
    switch (request.method) {
      case "OPTIONS":
        tx.respond(this.core.createResponse(request, 200, { toTag: tag, headers: [...allow, { name: "Accept", value: "application/sdp" }] }));
        return;
      case "INVITE":
        tx.respond(this.core.createResponse(request, 480, { toTag: tag, reason: "Temporarily Unavailable - incoming calls are not served" }));
        return;
      case "BYE":
      case "INFO":
      case "UPDATE":
        tx.respond(this.core.createResponse(request, 481, { toTag: tag }));
        return;
      default:
        tx.respond(this.core.createResponse(request, 405, { toTag: tag, headers: allow }));
    }
  }

  /**
   * Stops every registration refresh and every transaction timer and forgets the calls (sends
   * nothing; hang up first), so nothing of the agent keeps the process alive.
   */
  dispose(): void {
    for (const r of this.registrations) r.dispose();
    this.registrations.clear();
    this.calls.clear();
    this.core.dispose();
  }
}
