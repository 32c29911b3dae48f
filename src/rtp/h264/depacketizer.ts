/**
 * H.264 RTP depacketizer (RFC 6184, packetization-mode 0 and 1): RTP packets in sequence order ->
 * access units as `VideoFrame`s. An access unit ends at the marker bit or when the timestamp changes.
 *
 * An access unit that may be incomplete (a sequence gap, an FU-A without its start or end, a
 * malformed payload) is dropped and reported, never passed on; after a drop, frames are held back
 * until the next keyframe (the decoder cannot use them) and every drop says so, so the caller can
 * send a PLI/FIR (rate-limited by the caller). With `requireKeyframe` (default) the stream also
 * starts at its first keyframe.
 *
 * Frame times are ms from the first packet. When the sender restarts (a new SSRC), its timeline is
 * joined to the old one a frame interval (1/30 s) after the last frame, so times keep increasing.
 *
 * No I/O, no timers: `push(packet)` returns outputs. Feed it the jitter buffer's output.
 */
import { isKeyframe, NAL_TYPE, parseSps, MAX_NAL_SIZE, MAX_NALS_PER_ACCESS_UNIT } from "../../codecs/h264/index.ts";
import { concatBytes, sameBytes } from "../../codecs/bytes.ts";
import type { H264Config, VideoFrame } from "../../codecs/frame.ts";
import { TranspondError } from "../../errors.ts";
import type { RtpPacket } from "../packet.ts";
import { seqDiff, TimestampUnwrapper } from "../sequence.ts";
import { rtpToMs } from "../clock.ts";
import { decodeH264Payload } from "./payload.ts";

export type H264DropReason =
  /** a sequence gap touched this access unit */
  | "loss"
  /** an FU-A chain without its start or end fragment */
  | "fragment"
  /** a payload that does not parse (see `error`) */
  | "malformed"
  /** more NAL units or bytes than the limits allow */
  | "too-large"
  /** a complete frame held back while waiting for a keyframe */
  | "no-keyframe";

export type H264DepacketizerOutput =
  | { readonly type: "frame"; readonly frame: VideoFrame; readonly rtpTimestamp: number }
  /** SPS/PPS seen for the first time or changed; comes before the frame that carries them */
  | { readonly type: "config"; readonly config: H264Config; readonly rtpTimestamp: number }
  | {
      readonly type: "dropped";
      readonly reason: H264DropReason;
      readonly rtpTimestamp: number;
      readonly packets: number;
      /** always true: the decoder needs a keyframe now; send PLI/FIR */
      readonly requestKeyframe: true;
      readonly error?: TranspondError;
    };

export interface H264DepacketizerOptions {
  /** RTP clock rate, 90000 for video */
  readonly clockRate?: number;
  /** drop frames before the first keyframe (default true) */
  readonly requireKeyframe?: boolean;
  /**
   * after a dropped frame, hold back frames until the next keyframe (default true), so the decoder
   * never sees a frame whose reference is missing; false passes every complete frame on
   */
  readonly waitForKeyframeAfterDrop?: boolean;
}

interface AccessUnit {
  readonly timestamp: number;
  readonly nalus: Uint8Array[];
  /** bytes of the FU-A chain in progress */
  fuBytes: number;
  packets: number;
  problem?: H264DropReason;
  error?: TranspondError;
  /** FU-A fragments of the NAL unit being reassembled */
  fu?: Uint8Array[];
}

export interface H264DepacketizerStats {
  readonly frames: number;
  readonly keyframes: number;
  readonly dropped: number;
}

export class H264Depacketizer {
  readonly #clockRate: number;
  #unwrapTs = new TimestampUnwrapper();
  #firstTimestamp: number | undefined;
  /** ms added to the current sender's times (non-zero after an SSRC change) */
  #offsetMs = 0;
  #lastMs = 0;
  #ssrc: number | undefined;
  #lastSeq: number | undefined;
  #au: AccessUnit | undefined;
  #waitKeyframe: boolean;
  readonly #waitAfterDrop: boolean;
  #sps: Uint8Array | undefined;
  #pps: Uint8Array | undefined;
  #frames = 0;
  #keyframes = 0;
  #dropped = 0;

  constructor(options: H264DepacketizerOptions = {}) {
    this.#clockRate = options.clockRate ?? 90000;
    this.#waitKeyframe = options.requireKeyframe ?? true;
    this.#waitAfterDrop = options.waitForKeyframeAfterDrop ?? true;
  }

  get stats(): H264DepacketizerStats {
    return { frames: this.#frames, keyframes: this.#keyframes, dropped: this.#dropped };
  }

  push(packet: RtpPacket): H264DepacketizerOutput[] {
    const out: H264DepacketizerOutput[] = [];
    let gap = false;
    if (this.#ssrc !== undefined && packet.ssrc !== this.#ssrc) {
      // a new sender: what was in progress cannot be completed, and numbering starts afresh
      if (this.#au) {
        this.#mark(this.#au, "loss");
        this.#finish(out);
      }
      this.#lastSeq = undefined;
      this.#unwrapTs = new TimestampUnwrapper();
      this.#firstTimestamp = undefined;
      this.#offsetMs = this.#lastMs + 1000 / 30;
    }
    this.#ssrc = packet.ssrc;
    if (this.#lastSeq !== undefined) {
      const d = seqDiff(this.#lastSeq, packet.sequenceNumber);
      if (d <= 0) return out; // duplicate or older than what we already used
      gap = d > 1;
    }
    this.#lastSeq = packet.sequenceNumber;

    if (this.#au && this.#au.timestamp !== packet.timestamp) {
      // the previous access unit ended without a marker; its tail may be what was lost
      if (gap) this.#mark(this.#au, "loss");
      this.#finish(out);
    }
    const au = (this.#au ??= { timestamp: packet.timestamp, nalus: [], fuBytes: 0, packets: 0 });
    au.packets++;
    if (gap) this.#mark(au, "loss");
    if (!au.problem) this.#add(au, packet.payload);
    if (packet.marker) this.#finish(out);
    return out;
  }

  /** Ends the access unit in progress (end of stream). */
  flush(): H264DepacketizerOutput[] {
    const out: H264DepacketizerOutput[] = [];
    if (this.#au) this.#finish(out);
    return out;
  }

  /** Tells the depacketizer that packets were lost (a jitter-buffer loss event); the current frame is dropped. */
  markLoss(): void {
    if (this.#au) this.#mark(this.#au, "loss");
    else if (this.#waitAfterDrop) this.#waitKeyframe = true;
  }

  #mark(au: AccessUnit, reason: H264DropReason, error?: TranspondError): void {
    if (!au.problem) {
      au.problem = reason;
      au.error = error;
    }
    au.fu = undefined;
  }

  #add(au: AccessUnit, payload: Uint8Array): void {
    let parsed;
    try {
      parsed = decodeH264Payload(payload);
    } catch (err) {
      this.#mark(au, "malformed", err instanceof TranspondError ? err : undefined);
      return;
    }
    if (parsed.type === "single") this.#nal(au, parsed.nal);
    else if (parsed.type === "stap-a") for (const nal of parsed.nalus) this.#nal(au, nal);
    else if (parsed.start) {
      if (au.fu) return this.#mark(au, "fragment"); // previous chain never ended
      au.fu = [Uint8Array.of(parsed.nalHeader), parsed.fragment];
      au.fuBytes = 1 + parsed.fragment.length;
    } else {
      if (!au.fu) return this.#mark(au, "fragment"); // missing start fragment
      au.fu.push(parsed.fragment);
      au.fuBytes += parsed.fragment.length;
      if (au.fuBytes > MAX_NAL_SIZE) return this.#mark(au, "too-large");
      if (parsed.end) {
        const parts = au.fu;
        au.fu = undefined;
        this.#nal(au, concatBytes(parts));
      }
    }
  }

  #nal(au: AccessUnit, nal: Uint8Array): void {
    if (au.fu) return this.#mark(au, "fragment"); // a whole NAL unit in the middle of an FU-A chain
    if (au.nalus.length >= MAX_NALS_PER_ACCESS_UNIT) return this.#mark(au, "too-large");
    au.nalus.push(nal);
  }

  #finish(out: H264DepacketizerOutput[]): void {
    const au = this.#au!;
    this.#au = undefined;
    if (au.fu && !au.problem) this.#mark(au, "fragment"); // FU-A without its end fragment
    if (au.problem) return this.#drop(out, au, au.problem);
    // filler data carries nothing the decoder needs
    const nalus = au.nalus.filter((n) => (n[0]! & 0x1f) !== NAL_TYPE.FILLER);
    if (nalus.length === 0) return;
    const key = isKeyframe(nalus);
    if (this.#waitKeyframe && !key) return this.#drop(out, au, "no-keyframe");
    this.#waitKeyframe = false;
    this.#config(out, nalus, au.timestamp);
    const ms = this.#ms(au.timestamp);
    this.#frames++;
    if (key) this.#keyframes++;
    out.push({ type: "frame", rtpTimestamp: au.timestamp, frame: { kind: "video", codec: "H264", dts: ms, pts: ms, key, data: nalus } });
  }

  #drop(out: H264DepacketizerOutput[], au: AccessUnit, reason: H264DropReason): void {
    this.#dropped++;
    if (this.#waitAfterDrop) this.#waitKeyframe = true;
    out.push({ type: "dropped", reason, rtpTimestamp: au.timestamp, packets: au.packets, requestKeyframe: true, ...(au.error ? { error: au.error } : {}) });
  }

  #config(out: H264DepacketizerOutput[], nalus: readonly Uint8Array[], timestamp: number): void {
    let sps = this.#sps;
    let pps = this.#pps;
    for (const n of nalus) {
      const t = n[0]! & 0x1f;
      if (t === NAL_TYPE.SPS) sps = n;
      else if (t === NAL_TYPE.PPS) pps = n;
    }
    if (!sps || !pps || (sps === this.#sps && pps === this.#pps)) return;
    const changed = !this.#sps || !this.#pps || !sameBytes(sps, this.#sps) || !sameBytes(pps, this.#pps);
    this.#sps = sps;
    this.#pps = pps;
    if (!changed) return;
    let size = { width: 0, height: 0 };
    try {
      size = parseSps(sps);
    } catch {
      // an SPS we cannot read still goes to the decoder; the size stays unknown (0x0)
    }
    out.push({ type: "config", rtpTimestamp: timestamp, config: { codec: "H264", sps, pps, width: size.width, height: size.height } });
  }

  #ms(timestamp: number): number {
    const ext = this.#unwrapTs.unwrap(timestamp);
    this.#firstTimestamp ??= ext;
    this.#lastMs = this.#offsetMs + rtpToMs(ext - this.#firstTimestamp, this.#clockRate);
    return this.#lastMs;
  }
}
