/**
 * One RTP session over plain UDP (RFC 3550), as a SIP call has per medium: an RTP socket on an even
 * port and an RTCP socket on the next, the far end's addresses from the SDP answer, sequence numbers
 * and SSRC for what we send, reception statistics (A.3 loss, A.8 jitter) for what we receive, and
 * a compound RTCP report every `rtcpIntervalMs`: SR when we sent RTP since the last one, else RR,
 * with SDES CNAME (6.1). The clock is injected so reports are testable.
 *
 * Owns its sockets: `close()` sends RTCP BYE and closes them. Packets come out through the delegate
 * given at construction; datagrams that do not decode are counted and dropped (never thrown).
 */
import type { Socket } from "node:dgram";
import { ParseError } from "../errors.ts";
import { msToNtp, ntpMiddle32 } from "./clock.ts";
import { decodeRtp, encodeRtp, isRtcp, rtpPacket, type RtpPacket } from "./packet.ts";
import { decodeRtcpCompound, encodeRtcpCompound, type RtcpPacket } from "./rtcp/compound.ts";
import type { ReportBlock } from "./rtcp/report-block.ts";
import { SDES_ITEM, sdesItem } from "./rtcp/sdes.ts";
import { SequenceUnwrapper } from "./sequence.ts";

export interface RtpRemote {
  readonly address: string;
  readonly port: number;
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
}

export interface RtpSessionDelegate {
  onRtp?(packet: RtpPacket): void;
  onRtcp?(packets: readonly RtcpPacket[]): void;
}

export interface RtpUdpSessionOptions {
  readonly rtp: Socket;
  readonly rtcp: Socket;
  /** local RTP port (RTCP is port + 1) */
  readonly port: number;
  readonly clockRate: number;
  readonly ssrc: number;
  readonly cname: string;
  readonly delegate: RtpSessionDelegate;
  /** ms between RTCP reports (default 5000, RFC 3550 6.2 minimum); 0 turns them off */
  readonly rtcpIntervalMs?: number;
  /** wall clock, Unix ms (default Date.now) */
  readonly now?: () => number;
  /** called once after close() (the port allocator's release) */
  readonly onClose?: () => void;
}

/** What a session counted, for the Call object's `rtpStats`. */
export interface RtpSessionStats {
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly packetsReceived: number;
  readonly octetsReceived: number;
  /** expected minus received (RFC 3550 A.3), never below 0 */
  readonly packetsLost: number;
  /** interarrival jitter in ms (A.8) */
  readonly jitterMs: number;
  readonly rtcpSent: number;
  readonly rtcpReceived: number;
  /** datagrams that were neither valid RTP nor valid RTCP */
  readonly malformed: number;
  /** RTP packets dropped because they came from another address or port than the first one (strict RTP) */
  readonly foreignDropped: number;
}

/** Reception statistics of one remote source (RFC 3550 A.3, A.8). */
class Reception {
  readonly ssrc: number;
  readonly #seq = new SequenceUnwrapper();
  #base = 0;
  #max = -Infinity;
  received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transit: number | undefined;
  jitter = 0;
  lastSrMiddle = 0;
  lastSrAt = 0;

  constructor(ssrc: number, seq: number) {
    this.ssrc = ssrc;
    this.#base = this.#seq.unwrap(seq);
  }

  update(packet: RtpPacket, arrivalTicks: number): void {
    const ext = this.#seq.unwrap(packet.sequenceNumber);
    if (ext > this.#max) this.#max = ext;
    this.received++;
    const transit = arrivalTicks - packet.timestamp;
    if (this.#transit !== undefined) {
      let d = Math.abs(transit - this.#transit);
      if (d > 2 ** 31) d = 2 ** 32 - d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.#transit = transit;
  }

  get expected(): number {
    return this.#max === -Infinity ? 0 : this.#max - this.#base + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  block(nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    const dlsr = this.lastSrAt === 0 ? 0 : Math.round(((nowMs - this.lastSrAt) / 1000) * 65536);
    return {
      ssrc: this.ssrc,
      fractionLost,
      packetsLost: Math.min(this.lost, 0x7fffff),
      highestSequence: this.#max === -Infinity ? 0 : this.#max >>> 0,
      jitter: Math.round(this.jitter) >>> 0,
      lastSr: this.lastSrMiddle,
      delaySinceLastSr: dlsr >>> 0,
    };
  }
}

export class RtpUdpSession {
  readonly port: number;
  readonly ssrc: number;
  readonly clockRate: number;
  #remote: RtpRemote | undefined;
  #source: string | undefined;
  #sequence: number;
  #lastTimestamp = 0;
  #lastSentAt = 0;
  #sentSinceReport = false;
  #reception: Reception | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastRtpAt: number | undefined;
  readonly #options: RtpUdpSessionOptions;
  readonly #now: () => number;
  #stats = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, octetsReceived: 0, rtcpSent: 0, rtcpReceived: 0, malformed: 0, foreignDropped: 0 };

  constructor(options: RtpUdpSessionOptions) {
    this.#options = options;
    this.port = options.port;
    this.ssrc = options.ssrc >>> 0;
    this.clockRate = options.clockRate;
    this.#now = options.now ?? Date.now;
    this.#sequence = (options.ssrc * 7919) & 0x7fff;
    options.rtp.on("message", (bytes: Buffer, rinfo) => this.#receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), rinfo.address, rinfo.port));
    options.rtcp.on("message", (bytes: Buffer) => this.#receiveRtcp(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
    const interval = options.rtcpIntervalMs ?? 5000;
    if (interval > 0) this.#timer = setInterval(() => this.sendReport(), interval);
  }

  get remote(): RtpRemote | undefined {
    return this.#remote;
  }

  /** Where RTP and RTCP go (the SDP answer); nothing is sent before it is known. */
  setRemote(remote: RtpRemote): void {
    this.#remote = remote;
    this.#source = undefined;
  }

  /** Unix ms of the last RTP packet received, undefined before the first. */
  get lastRtpAt(): number | undefined {
    return this.#lastRtpAt;
  }

  /** SSRC of the far end's stream, once a packet came. */
  get remoteSsrc(): number | undefined {
    return this.#reception?.ssrc;
  }

  get stats(): RtpSessionStats {
    const r = this.#reception;
    return { ...this.#stats, packetsLost: r?.lost ?? 0, jitterMs: r ? Math.round((r.jitter * 1000 * 10) / this.clockRate) / 10 : 0 };
  }

  /** Sends one RTP packet with our SSRC and the next sequence number. Returns the packet sent. */
  send(init: { readonly payloadType: number; readonly timestamp: number; readonly marker?: boolean; readonly payload: Uint8Array }): RtpPacket | undefined {
    if (this.#closed || !this.#remote) return undefined;
    const packet = rtpPacket({ ...init, timestamp: init.timestamp >>> 0, ssrc: this.ssrc, sequenceNumber: this.#sequence });
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const bytes = encodeRtp(packet);
    this.#options.rtp.send(bytes, this.#remote.port, this.#remote.address);
    this.#stats.packetsSent++;
    this.#stats.octetsSent += init.payload.length;
    this.#lastTimestamp = packet.timestamp;
    this.#lastSentAt = this.#now();
    this.#sentSinceReport = true;
    return packet;
  }

  /** Sends RTCP packets, preceded by our report and SDES as a compound packet must be (6.1). */
  sendRtcp(packets: readonly RtcpPacket[] = []): void {
    if (this.#closed || !this.#remote) return;
    const bytes = encodeRtcpCompound([this.#report(), this.#sdes(), ...packets]);
    this.#options.rtcp.send(bytes, this.#remote.rtcpPort, this.#remote.rtcpAddress);
    this.#stats.rtcpSent++;
  }

  /** The periodic report (also callable directly). */
  sendReport(): void {
    this.sendRtcp();
  }

  /** Asks the far end's encoder for a keyframe: PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1). */
  requestKeyframe(firSequence: number): void {
    const media = this.#reception?.ssrc ?? 0;
    this.sendRtcp([
      { type: "pli", senderSsrc: this.ssrc, mediaSsrc: media, padding: 0 },
      { type: "fir", senderSsrc: this.ssrc, mediaSsrc: 0, entries: [{ ssrc: media, sequenceNumber: firSequence & 0xff }], padding: 0 },
    ]);
  }

  #report(): RtcpPacket {
    const now = this.#now();
    const reports = this.#reception ? [this.#reception.block(now)] : [];
    if (this.#sentSinceReport) {
      this.#sentSinceReport = false;
      const ntp = msToNtp(now);
      const rtpTimestamp = (this.#lastTimestamp + Math.round(((now - this.#lastSentAt) * this.clockRate) / 1000)) >>> 0;
      return { type: "sr", ssrc: this.ssrc, ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp, packetCount: this.#stats.packetsSent >>> 0, octetCount: this.#stats.octetsSent >>> 0, reports, extension: new Uint8Array(0), padding: 0 };
    }
    return { type: "rr", ssrc: this.ssrc, reports, extension: new Uint8Array(0), padding: 0 };
  }

  #sdes(): RtcpPacket {
    return { type: "sdes", chunks: [{ ssrc: this.ssrc, items: [sdesItem(SDES_ITEM.CNAME, this.#options.cname)] }], padding: 0 };
  }

  /**
   * Strict RTP (Asterisk's strictrtp): the first valid RTP packet's source is learned and packets
   * from any other address or port are dropped and counted, so nobody who finds the port can inject
   * media into the call. setRemote (a new answer) forgets the learned source.
   */
  #receive(bytes: Uint8Array, address: string, port: number): void {
    if (this.#closed) return;
    const source = `${address}|${port}`;
    if (this.#source !== undefined && this.#source !== source && !isRtcp(bytes)) {
      this.#stats.foreignDropped++;
      return;
    }
    if (isRtcp(bytes)) return this.#receiveRtcp(bytes); // rtcp-mux peers
    let packet: RtpPacket;
    try {
      packet = decodeRtp(bytes);
    } catch (err) {
      if (err instanceof ParseError) {
        this.#stats.malformed++;
        return;
      }
      throw err;
    }
    this.#source = source;
    const now = this.#now();
    if (!this.#reception || this.#reception.ssrc !== packet.ssrc) this.#reception = new Reception(packet.ssrc, packet.sequenceNumber);
    this.#reception.update(packet, Math.round((now * this.clockRate) / 1000) >>> 0);
    this.#stats.packetsReceived++;
    this.#stats.octetsReceived += packet.payload.length;
    this.#lastRtpAt = now;
    this.#options.delegate.onRtp?.(packet);
  }

  #receiveRtcp(bytes: Uint8Array): void {
    if (this.#closed) return;
    let packets: RtcpPacket[];
    try {
      packets = decodeRtcpCompound(bytes);
    } catch (err) {
      if (err instanceof ParseError) {
        this.#stats.malformed++;
        return;
      }
      throw err;
    }
    this.#stats.rtcpReceived++;
    for (const p of packets) {
      if (p.type === "sr" && this.#reception && p.ssrc === this.#reception.ssrc) {
        this.#reception.lastSrMiddle = ntpMiddle32(p.ntpMsw, p.ntpLsw);
        this.#reception.lastSrAt = this.#now();
      }
    }
    this.#options.delegate.onRtcp?.(packets);
  }

  /** Sends RTCP BYE (6.6), then closes both sockets. */
  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    const remote = this.#remote;
    const bye = remote && (this.#stats.packetsSent > 0 || this.#stats.packetsReceived > 0) ? encodeRtcpCompound([this.#report(), this.#sdes(), { type: "bye", ssrcs: [this.ssrc], padding: 0 }]) : undefined;
    this.#closed = true;
    const finish = () => {
      for (const s of [this.#options.rtp, this.#options.rtcp]) {
        try {
          s.close();
        } catch {
          // already closed
        }
      }
      this.#options.onClose?.();
    };
    if (!bye || !remote) return finish();
    try {
      this.#options.rtcp.send(bye, remote.rtcpPort, remote.rtcpAddress, () => finish());
      this.#stats.rtcpSent++;
    } catch {
      finish();
    }
  }
}
