/**
 * A dialog (RFC 3261 12): Call-ID, local and remote tags, local and remote URIs, remote target,
 * route set and CSeq numbers. Builds in-dialog requests (12.2.1.1, loose and strict routing) and
 * checks in-dialog requests (12.2.2: CSeq order, target refresh).
 */
import type { SipHeader, SipRequest, SipResponse } from "./messages.ts";
import { headerValue, headerValues } from "./message/headers.ts";
import { decodeCSeq } from "./headers/cseq.ts";
import { decodeNameAddr, tagOf } from "./headers/name-addr.ts";

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}|${id.localTag}|${id.remoteTag}`;
}

export class Dialog implements DialogId {
  /** "early" after a 1xx with a To tag, "confirmed" after a 2xx (12.1). */
  state: "early" | "confirmed";
  remoteTarget: string;
  routeSet: readonly string[];
  localSeq: number;
  remoteSeq: number | undefined;

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** The From (UAC) or To (UAS) value without changes, tag included. */
    readonly localHeader: string,
    readonly remoteHeader: string,
    init: { state: "early" | "confirmed"; remoteTarget: string; routeSet: readonly string[]; localSeq: number; remoteSeq?: number },
  ) {
    this.state = init.state;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
  }

  get key(): string {
    return dialogKey(this);
  }

  /** UAC side (12.1.2): from our request and a 1xx/2xx response with a To tag; route set is Record-Route reversed. */
  static fromUacResponse(request: SipRequest, response: SipResponse): Dialog | undefined {
    const to = headerValue(response, "To") ?? "";
    const remoteTag = tagOf(decodeNameAddr(to));
    const from = headerValue(request, "From") ?? "";
    const localTag = tagOf(decodeNameAddr(from));
    if (!remoteTag || !localTag) return undefined;
    const contact = headerValue(response, "Contact");
    return new Dialog(headerValue(request, "Call-ID") ?? "", localTag, remoteTag, from, to, {
      state: response.status >= 200 ? "confirmed" : "early",
      remoteTarget: contact ? decodeNameAddr(contact).uri : request.uri,
      routeSet: headerValues(response, "Record-Route").reverse(),
      localSeq: decodeCSeq(headerValue(request, "CSeq") ?? "").seq,
    });
  }

  /** UAS side (12.1.1): from the request and the To tag we chose; route set is Record-Route in order. */
  static fromUasRequest(request: SipRequest, localTag: string): Dialog | undefined {
    const from = headerValue(request, "From") ?? "";
    const remoteTag = tagOf(decodeNameAddr(from));
    if (!remoteTag) return undefined;
    const contact = headerValue(request, "Contact");
    const to = headerValue(request, "To") ?? "";
    return new Dialog(headerValue(request, "Call-ID") ?? "", localTag, remoteTag, `${to};tag=${localTag}`, from, {
      state: "confirmed",
      remoteTarget: contact ? decodeNameAddr(contact).uri : "",
      routeSet: headerValues(request, "Record-Route"),
      localSeq: 0,
      remoteSeq: decodeCSeq(headerValue(request, "CSeq") ?? "").seq,
    });
  }

  /** Marks the dialog confirmed by a 2xx and refreshes the remote target and route set from it. */
  confirm(response: SipResponse): void {
    this.state = "confirmed";
    const contact = headerValue(response, "Contact");
    if (contact) this.remoteTarget = decodeNameAddr(contact).uri;
    this.routeSet = headerValues(response, "Record-Route").reverse();
  }

  /**
   * An in-dialog request (12.2.1.1): Request-URI and Route from the remote target and route set,
   * loose routing when the first route has `;lr`, strict routing otherwise. `cseq` reuses a
   * number (ACK, CANCEL); otherwise the local CSeq is incremented. No Via: the core adds it.
   */
  createRequest(method: string, options: { cseq?: number; headers?: readonly SipHeader[]; body?: Uint8Array; contact?: string } = {}): SipRequest {
    const seq = options.cseq ?? ++this.localSeq;
    let uri = this.remoteTarget;
    let routes = [...this.routeSet];
    if (routes.length > 0) {
      const first = decodeNameAddr(routes[0]);
      const loose = "lr" in decodeUriParams(first.uri);
      if (!loose) {
        uri = first.uri.replace(/[?].*$/, "");
        routes = [...routes.slice(1), `<${this.remoteTarget}>`];
      }
    }
    const headers: SipHeader[] = [
      ...routes.map((value) => ({ name: "Route", value })),
      { name: "From", value: this.localHeader },
      { name: "To", value: this.remoteHeader },
      { name: "Call-ID", value: this.callId },
      { name: "CSeq", value: `${seq} ${method}` },
      ...(options.contact ? [{ name: "Contact", value: options.contact }] : []),
      ...(options.headers ?? []),
    ];
    return { type: "request", method, uri, headers, body: options.body ?? new Uint8Array(0) };
  }

  /**
   * Checks an in-dialog request (12.2.2). Returns 500 when its CSeq is lower than the last one
   * (out of order); otherwise records the CSeq and, for target-refresh requests, the new Contact.
   */
  receiveRequest(request: SipRequest): { ok: true } | { ok: false; status: 500 } {
    const seq = decodeCSeq(headerValue(request, "CSeq") ?? "").seq;
    if (request.method !== "ACK" && request.method !== "CANCEL") {
      if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return { ok: false, status: 500 };
      this.remoteSeq = seq;
    }
    if (request.method === "INVITE" || request.method === "UPDATE") {
      const contact = headerValue(request, "Contact");
      if (contact) this.remoteTarget = decodeNameAddr(contact).uri;
    }
    return { ok: true };
  }
}

function decodeUriParams(uri: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  const noHeaders = uri.replace(/[?].*$/, "");
  for (const part of noHeaders.split(";").slice(1)) {
    const eq = part.indexOf("=");
    params[(eq < 0 ? part : part.slice(0, eq)).toLowerCase()] = eq < 0 ? null : part.slice(eq + 1);
  }
  return params;
}
