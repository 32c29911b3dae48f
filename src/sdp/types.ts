/**
 * The SDP data model (RFC 8866). A description keeps every line as it came (`lines`), so unknown
 * attributes and the original order survive a round trip; the other fields are typed views derived
 * from those lines by `parseSdp`. `serializeSdp` writes `lines` only.
 */

/** One `<type>=<value>` line and the line ending it had ("\r\n", "\n", or "" for the last line). */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
  readonly eol: string;
}

/** `a=<name>` or `a=<name>:<value>` (RFC 8866 section 5.13). */
export interface SdpAttribute {
  readonly name: string;
  readonly value: string | undefined;
}

/** o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (5.2) */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** c=<nettype> <addrtype> <connection-address> (5.7); `ttl`/`count` for multicast. */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
  readonly ttl?: number;
  readonly count?: number;
}

export interface SdpBandwidth {
  readonly type: string;
  readonly value: number;
}

export type SdpDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";
export const SDP_DIRECTIONS: readonly SdpDirection[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

/** a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (6.6) */
export interface SdpRtpmap {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  /** audio channels (the encoding parameters), when given */
  readonly channels?: number;
}

export interface SdpFmtpParameter {
  readonly name: string;
  /** undefined for a parameter without "=" (e.g. telephone-event's "0-16") */
  readonly value: string | undefined;
}

/** a=fmtp:<format> <format specific parameters> (6.15), split at ";" into name=value pairs. */
export interface SdpFmtp {
  readonly format: string;
  readonly config: string;
  readonly parameters: readonly SdpFmtpParameter[];
}

/** a=rtcp-fb:<pt|*> <type> [<subtype>] (RFC 4585 4.2) */
export interface SdpRtcpFb {
  readonly format: string;
  readonly type: string;
  readonly subtype?: string;
}

/** a=extmap:<id>[/<direction>] <uri> [<extension attributes>] (RFC 8285 5) */
export interface SdpExtmap {
  readonly id: number;
  readonly direction?: SdpDirection;
  readonly uri: string;
  readonly attributes?: string;
}

/** a=ssrc:<ssrc> <attribute>[:<value>] (RFC 5576 4.1) */
export interface SdpSsrc {
  readonly ssrc: number;
  readonly attribute: string;
  readonly value?: string;
}

/** a=ssrc-group:<semantics> <ssrc> ... (RFC 5576 4.2) */
export interface SdpSsrcGroup {
  readonly semantics: string;
  readonly ssrcs: readonly number[];
}

/** a=group:<semantics> <mid> ... (RFC 5888), e.g. BUNDLE */
export interface SdpGroup {
  readonly semantics: string;
  readonly mids: readonly string[];
}

/** a=msid:<stream id> [<track id>] (RFC 8830) */
export interface SdpMsid {
  readonly stream: string;
  readonly track?: string;
}

/** a=fingerprint:<hash function> <fingerprint> (RFC 8122) */
export interface SdpFingerprint {
  readonly algorithm: string;
  readonly value: string;
}

export type SdpSetup = "actpass" | "active" | "passive" | "holdconn";

/** a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605) */
export interface SdpRtcp {
  readonly port: number;
  readonly connection?: SdpConnection;
}

/**
 * a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
 * [raddr <addr>] [rport <port>] *(<name> <value>) (RFC 8839 5.1)
 */
export interface SdpCandidate {
  readonly foundation: string;
  readonly component: number;
  readonly transport: string;
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: string;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  /** every name/value pair after `typ <type>` other than raddr/rport (tcptype, generation, ufrag, ...) */
  readonly extensions: readonly { readonly name: string; readonly value: string }[];
}

/**
 * ICE and DTLS attributes that may sit at session or media level. A media section shows its own,
 * else the session's.
 */
export interface SdpTransportAttributes {
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  readonly iceOptions?: readonly string[];
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup?: SdpSetup;
}

export interface SdpMediaDescription extends SdpTransportAttributes {
  /** every line of the section, starting with m= */
  readonly lines: readonly SdpLine[];
  /** audio, video, application, ... */
  readonly media: string;
  readonly port: number;
  readonly portCount?: number;
  /** RTP/AVP, UDP/TLS/RTP/SAVPF, ... */
  readonly proto: string;
  /** the formats of the m= line, in order (payload type numbers for RTP) */
  readonly formats: readonly string[];
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpBandwidth[];
  readonly attributes: readonly SdpAttribute[];
  readonly rtpmaps: readonly SdpRtpmap[];
  readonly fmtps: readonly SdpFmtp[];
  readonly rtcpFbs: readonly SdpRtcpFb[];
  readonly extmaps: readonly SdpExtmap[];
  readonly ptime?: number;
  readonly maxptime?: number;
  /** the direction attribute of this section, else the session's, else sendrecv */
  readonly direction: SdpDirection;
  readonly mid?: string;
  readonly msid?: SdpMsid;
  readonly ssrcs: readonly SdpSsrc[];
  readonly ssrcGroups: readonly SdpSsrcGroup[];
  readonly candidates: readonly SdpCandidate[];
  readonly endOfCandidates: boolean;
  readonly rtcpMux: boolean;
  readonly rtcp?: SdpRtcp;
}

export interface SessionDescription extends SdpTransportAttributes {
  /** every session-level line, starting with v= */
  readonly lines: readonly SdpLine[];
  readonly media: readonly SdpMediaDescription[];
  readonly version: number;
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpBandwidth[];
  readonly attributes: readonly SdpAttribute[];
  /** the session-level direction attribute, when present */
  readonly direction?: SdpDirection;
  readonly groups: readonly SdpGroup[];
  readonly iceLite: boolean;
}
