/**
 * The user agent core (RFC 3261 8, 17.1.3, 17.2.3): creates client transactions for outgoing
 * requests, matches responses to them, matches incoming requests to server transactions (absorbing
 * retransmissions), answers CANCEL, answers a request that failed to parse with 400, and hands the
 * rest to a delegate (the UserAgent).
 */
import { randomBytes } from "node:crypto";
import { ParseError } from "../../errors.ts";
import { statusForParseError } from "../errors.ts";
import { reasonPhrase, type SipHeader, type SipMessage, type SipRequest, type SipResponse } from "../messages.ts";
import { headerValue, headerValues } from "../message/headers.ts";
import { salvageRequestHead } from "../message/parse.ts";
import { decodeCSeq } from "../headers/cseq.ts";
import { decodeNameAddr } from "../headers/name-addr.ts";
import { decodeSipUri } from "../headers/uri.ts";
import { BRANCH_MAGIC, decodeVia } from "../headers/via.ts";
import { InviteClientTransaction, type ClientTransactionUser } from "../transaction/ict.ts";
import { NonInviteClientTransaction } from "../transaction/nict.ts";
import { InviteServerTransaction } from "../transaction/ist.ts";
import { NonInviteServerTransaction } from "../transaction/nist.ts";
import { systemClock, type Clock } from "../../clock.ts";
import { DEFAULT_TIMER_SETTINGS, timerTable, type TimerSettings, type TimerTable } from "../transaction/timers.ts";
import type { TransactionOptions } from "../transaction/base.ts";
import { responseDestination, type Endpoint, type SipTransport } from "../transport/transport.ts";

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export interface CoreDelegate {
  /** A new request (not a retransmission, not an ACK, not a CANCEL) with its server transaction. */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /** An ACK that matched no transaction: the ACK for a 2xx (13.3.1.4). */
  onAck(request: SipRequest): void;
  /** A CANCEL matched a pending INVITE; the core has answered the CANCEL with 200. */
  onCancel(invite: InviteServerTransaction): void;
  /** A 2xx to INVITE that matched no transaction (a retransmission after Timer M, or a fork). */
  onStray2xx(response: SipResponse): void;
}

export interface CoreOptions {
  readonly transport: SipTransport;
  readonly clock?: Clock;
  readonly timers?: Partial<TimerSettings>;
  /** Random token source for branches, tags and Call-IDs (tests make it deterministic). */
  readonly random?: () => string;
  readonly userAgent?: string;
}

export class SipCore {
  readonly transport: SipTransport;
  readonly clock: Clock;
  readonly timers: TimerTable;
  readonly random: () => string;
  readonly userAgent: string;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, { tx: ServerTransaction; from: Endpoint }>();
  private delegate: CoreDelegate | undefined;

  constructor(options: CoreOptions) {
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.timers = timerTable({ ...DEFAULT_TIMER_SETTINGS, ...options.timers }, options.transport.reliable);
    this.random = options.random ?? (() => randomBytes(8).toString("hex"));
    this.userAgent = options.userAgent ?? "Transpond";
    this.transport.attach({
      onMessage: (m, from) => this.receive(m, from),
      onParseError: (err, bytes, from) => this.answerParseError(err, bytes, from),
    });
  }

  attach(delegate: CoreDelegate): void {
    this.delegate = delegate;
  }

  /** Stops the timers of every transaction (retransmissions, absorbing waits) and forgets them. */
  dispose(): void {
    for (const tx of this.clients.values()) tx.dispose();
    for (const { tx } of this.servers.values()) tx.dispose();
    this.clients.clear();
    this.servers.clear();
  }

  /** A new branch with the RFC 3261 magic cookie. */
  newBranch(): string {
    return `${BRANCH_MAGIC}${this.random()}`;
  }

  /** Our Via for a new request. */
  via(branch: string): string {
    const l = this.transport.local;
    return `SIP/2.0/${this.transport.protocol} ${l.host}:${l.port};branch=${branch};rport`;
  }

  /** The next hop of a request: its first Route, else its Request-URI (RFC 3261 8.1.2, no DNS SRV). */
  nextHop(request: SipRequest): Endpoint {
    const route = headerValue(request, "Route");
    const uri = decodeSipUri(route ? decodeNameAddr(route).uri : request.uri);
    const transport = this.transport.protocol;
    return { host: uri.host.replace(/^\[|\]$/g, ""), port: uri.port ?? (uri.scheme === "sips" || transport === "TCP" && uri.params.transport === "tls" ? 5061 : 5060) };
  }

  /** Adds our Via (new branch) and Max-Forwards, then starts a client transaction. */
  sendRequest(request: SipRequest, user: ClientTransactionUser, to: Endpoint = this.nextHop(request)): ClientTransaction {
    const prepared = this.prepare(request);
    const options = this.options((m) => this.transport.send(m, to));
    const method = request.method;
    const tx = method === "INVITE" ? new InviteClientTransaction(prepared, options, this.wrapUser(prepared, user)) : new NonInviteClientTransaction(prepared, options, this.wrapUser(prepared, user));
    this.clients.set(`${tx.branch}|${method}`, tx);
    tx.start();
    return tx;
  }

  /** Sends a request outside any transaction (the ACK for a 2xx, 13.2.2.4). */
  sendStateless(request: SipRequest, to: Endpoint = this.nextHop(request)): SipRequest {
    const prepared = this.prepare(request);
    this.transport.send(prepared, to);
    return prepared;
  }

  private prepare(request: SipRequest): SipRequest {
    const hasVia = headerValues(request, "Via").length > 0;
    const headers: SipHeader[] = hasVia ? [...request.headers] : [{ name: "Via", value: this.via(this.newBranch()) }, ...request.headers];
    if (!headerValue(request, "Max-Forwards")) headers.splice(1, 0, { name: "Max-Forwards", value: "70" });
    if (!headerValue(request, "User-Agent")) headers.push({ name: "User-Agent", value: this.userAgent });
    return { ...request, headers };
  }

  private wrapUser(request: SipRequest, user: ClientTransactionUser): ClientTransactionUser {
    const id = `${decodeVia(headerValue(request, "Via") ?? "").params.branch}|${request.method}`;
    return {
      onResponse: (r) => user.onResponse(r),
      onTimeout: (reason) => user.onTimeout(reason),
      onTerminated: () => {
        this.clients.delete(id);
        user.onTerminated?.();
      },
    };
  }

  private options(send: (m: SipMessage) => void): TransactionOptions {
    return { send, reliable: this.transport.reliable, clock: this.clock, timers: this.timers };
  }

  /** A response to `request` (8.2.6): Via, From, To (with `toTag` added if it has none), Call-ID, CSeq copied. */
  createResponse(request: SipRequest, status: number, options: { reason?: string; toTag?: string; headers?: readonly SipHeader[]; body?: Uint8Array } = {}): SipResponse {
    let to = headerValue(request, "To") ?? "";
    if (options.toTag && status > 100 && !/;\s*tag=/i.test(to)) to = `${to};tag=${options.toTag}`;
    const headers: SipHeader[] = [
      ...headerValues(request, "Via").map((value) => ({ name: "Via", value })),
      { name: "From", value: headerValue(request, "From") ?? "" },
      { name: "To", value: to },
      { name: "Call-ID", value: headerValue(request, "Call-ID") ?? "" },
      { name: "CSeq", value: headerValue(request, "CSeq") ?? "" },
      ...(status === 100 && headerValue(request, "Timestamp") ? [{ name: "Timestamp", value: headerValue(request, "Timestamp") ?? "" }] : []),
      { name: "Server", value: this.userAgent },
      ...(options.headers ?? []),
    ];
    return { type: "response", status, reason: options.reason ?? reasonPhrase(status), headers, body: options.body ?? new Uint8Array(0) };
  }

  private serverKey(request: SipRequest): string {
    const via = decodeVia(headerValue(request, "Via") ?? "");
    const method = request.method === "ACK" ? "INVITE" : request.method;
    const branch = via.params.branch ?? "";
    if (branch.startsWith(BRANCH_MAGIC)) return `${branch}|${via.host}:${via.port ?? ""}|${method}`;
    // RFC 2543 peers (17.2.3): match on Call-ID, CSeq number, From tag and top Via.
    const cseq = decodeCSeq(headerValue(request, "CSeq") ?? "0 X").seq;
    return `2543|${headerValue(request, "Call-ID")}|${cseq}|${headerValue(request, "From")}|${headerValue(request, "Via")}|${method}`;
  }

  private receive(message: SipMessage, from: Endpoint): void {
    if (message.type === "response") {
      const via = decodeVia(headerValue(message, "Via") ?? "");
      const method = decodeCSeq(headerValue(message, "CSeq") ?? "").method;
      const tx = this.clients.get(`${via.params.branch}|${method}`);
      if (tx) tx.receiveResponse(message);
      else if (method === "INVITE" && message.status >= 200 && message.status < 300) this.delegate?.onStray2xx(message);
      return;
    }
    const key = this.serverKey(message);
    const existing = this.servers.get(key);
    if (message.method === "ACK") {
      if (existing && existing.tx instanceof InviteServerTransaction && existing.tx.receiveRequest(message)) return;
      this.delegate?.onAck(message);
      return;
    }
    if (existing) {
      existing.tx.receiveRequest(message);
      return;
    }
    const send = (m: SipMessage) => this.transport.send(m, this.transport.reliable ? from : (responseDestination(m) ?? from));
    const tx = message.method === "INVITE" ? new InviteServerTransaction(message, this.options(send), { onTerminated: () => this.servers.delete(key) }) : new NonInviteServerTransaction(message, this.options(send), { onTerminated: () => this.servers.delete(key) });
    this.servers.set(key, { tx, from });
    if (tx instanceof InviteServerTransaction) tx.respond(this.createResponse(message, 100));
    if (message.method === "CANCEL") {
      const invite = this.servers.get(key.replace(/\|CANCEL$/, "|INVITE"))?.tx;
      if (invite instanceof InviteServerTransaction && invite.state === "proceeding") {
        tx.respond(this.createResponse(message, 200));
        this.delegate?.onCancel(invite);
      } else tx.respond(this.createResponse(message, 481));
      return;
    }
    if (!this.delegate) {
      tx.respond(this.createResponse(message, 503));
      return;
    }
    this.delegate.onRequest(message, tx);
  }

  /**
   * RFC 3261 18.3 / 16.3: a request that failed to parse gets 400 (or 505, 413) with the reason,
   * when its Via, From, To, Call-ID and CSeq can still be read; otherwise it is dropped, as is a
   * malformed response.
   */
  private answerParseError(err: ParseError, bytes: Uint8Array, from: Endpoint): void {
    try {
      const head = salvageRequestHead(bytes);
      if (!head || head.method === "ACK") return;
      const request: SipRequest = { type: "request", method: head.method, uri: "", headers: head.headers, body: new Uint8Array(0) };
      for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) if (!headerValue(request, name)) return;
      const { status, reason } = statusForParseError(err.code);
      const response = this.createResponse(request, status, { reason: `${reason} (${err.message.slice(0, 80).replace(/[\r\n]/g, " ")})` });
      this.transport.send(response, this.transport.reliable ? from : (safeDestination(response) ?? from));
    } catch {
      // Not even the start line and headers frame: drop it (RFC 3261 18.3).
    }
  }

  /** Transactions alive now (diagnostics, tests). */
  get counts(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }
}

function safeDestination(response: SipResponse): Endpoint | undefined {
  try {
    return responseDestination(response);
  } catch {
    return undefined;
  }
}
