/**
 * AAC-LC decoder (ISO/IEC 14496-3): raw_data_block() of one or two channels (SCE or CPE, plus
 * FIL/DSE/PCE elements, which are skipped) to interleaved float PCM, 1024 samples per channel.
 *
 * A frame that cannot be decoded never throws out of `decode`: it is concealed (the previous
 * frame's tail is played out, fading to silence), counted in `errorFrames`, and its error kept in
 * `lastError`; the next good frame decodes normally. The decoder is a pure frame -> frame processor
 * (no I/O, no timers), so it can run in a worker thread.
 */
import { BitReader } from "../../codecs/bits.ts";
import { ParseError, TranspondError } from "../../errors.ts";
import { decodeAudioSpecificConfig, AUDIO_OBJECT_TYPE } from "../../codecs/aac-config.ts";
import { bandTables } from "./bands.ts";
import { ChannelSynthesis, Filterbank } from "./filterbank.ts";
import { ChannelStream, IcsContext, readIcs, readIcsInfo } from "./ics-reader.ts";
import { applyJointStereo, readMsMask } from "./joint-stereo.ts";
import { deinterleaveShort } from "./layout.ts";
import { applyTns } from "./tns.ts";
import { WindowSequence } from "./windows.ts";
import { AUDIO_ERR, AudioError } from "../errors.ts";

export interface AacDecoderOptions {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
}

const Element = { SCE: 0, CPE: 1, CCE: 2, LFE: 3, DSE: 4, PCE: 5, FIL: 6, END: 7 } as const;

export class AacDecoder {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** Frames given to `decode`. */
  frames = 0;
  /** Frames that could not be decoded and were concealed. */
  errorFrames = 0;
  lastError: TranspondError | undefined;
  private readonly ctx: IcsContext;
  private readonly streams: ChannelStream[];
  private readonly synthesis: ChannelSynthesis[];
  private readonly filterbank = new Filterbank();
  private readonly msUsed = new Uint8Array(8 * 16);
  private readonly windowOrder = new Float64Array(1024);

  constructor(options: AacDecoderOptions) {
    if (options.channels !== 1 && options.channels !== 2) throw new AudioError(AUDIO_ERR.AAC_CHANNELS, `AAC decoder: ${String(options.channels)} channels (1 or 2 supported)`);
    this.sampleRate = options.sampleRate;
    this.channels = options.channels;
    this.ctx = new IcsContext(bandTables(options.sampleRate));
    this.streams = Array.from({ length: options.channels }, () => new ChannelStream());
    this.synthesis = Array.from({ length: options.channels }, () => new ChannelSynthesis());
  }

  /**
   * A decoder for the stream an AudioSpecificConfig (FLV/RTMP sequence header) describes. HE-AAC
   * (SBR, PS) plays its AAC-LC core at the core rate: without the high band, but with sound.
   */
  static fromAudioSpecificConfig(bytes: Uint8Array): AacDecoder {
    const asc = decodeAudioSpecificConfig(bytes);
    if (asc.audioObjectType !== AUDIO_OBJECT_TYPE.AAC_LC) throw new AudioError(AUDIO_ERR.AAC_OBJECT_TYPE, `AAC decoder: audio object type ${asc.audioObjectType} (only AAC-LC, 2)`);
    if (asc.frameLengthFlag) throw new AudioError(AUDIO_ERR.AAC_FRAME_LENGTH, "AAC decoder: 960-sample frames are not supported");
    const channels = asc.channelConfiguration;
    if (channels !== 1 && channels !== 2) throw new AudioError(AUDIO_ERR.AAC_CHANNELS, `AAC decoder: channel configuration ${channels} (1 or 2 supported)`);
    return new AacDecoder({ sampleRate: asc.sampleRate, channels });
  }

  /** Decodes one raw frame to 1024 interleaved samples per channel (a bad frame is concealed). */
  decode(frame: Uint8Array): Float32Array {
    const out = new Float32Array(1024 * this.channels);
    this.frames++;
    try {
      this.readRawDataBlock(new BitReader(frame));
    } catch (err) {
      if (!(err instanceof TranspondError)) throw err;
      this.errorFrames++;
      this.lastError = err;
      for (let c = 0; c < this.channels; c++) this.synthesis[c]!.conceal(out, c, this.channels);
      return out;
    }
    for (let c = 0; c < this.channels; c++) this.synthesizeChannel(c, out);
    return out;
  }

  private readRawDataBlock(r: BitReader): void {
    let decoded = 0;
    for (;;) {
      const id = r.read(3);
      if (id === Element.END) break;
      switch (id) {
        case Element.SCE:
          r.skip(4);
          if (this.channels !== 1 || decoded !== 0) throw new ParseError(AUDIO_ERR.AAC_ELEMENT, "single_channel_element where the configuration has none", r.bitOffset >> 3);
          readIcs(r, this.ctx, undefined, this.streams[0]!);
          decoded = 1;
          break;
        case Element.CPE:
          r.skip(4);
          if (this.channels !== 2 || decoded !== 0) throw new ParseError(AUDIO_ERR.AAC_ELEMENT, "channel_pair_element where the configuration has none", r.bitOffset >> 3);
          this.readChannelPair(r);
          decoded = 2;
          break;
        case Element.DSE:
          skipDataStream(r);
          break;
        case Element.PCE:
          skipProgramConfig(r);
          break;
        case Element.FIL:
          skipFill(r);
          break;
        default:
          throw new ParseError(AUDIO_ERR.AAC_ELEMENT, `syntax element ${id} (${id === Element.CCE ? "coupling channel" : "LFE"}) is not supported`, r.bitOffset >> 3);
      }
    }
    if (decoded !== this.channels) throw new ParseError(AUDIO_ERR.AAC_ELEMENT, `frame has ${decoded} of ${this.channels} channels`, r.bitOffset >> 3);
  }

  private readChannelPair(r: BitReader): void {
    const [left, right] = this.streams as [ChannelStream, ChannelStream];
    if (!r.readFlag()) {
      readIcs(r, this.ctx, undefined, left);
      readIcs(r, this.ctx, undefined, right);
      return;
    }
    const info = readIcsInfo(r, this.ctx);
    const msPresent = readMsMask(r, info.layout, this.msUsed);
    readIcs(r, this.ctx, info, left);
    readIcs(r, this.ctx, info, right);
    applyJointStereo(info.layout, msPresent, this.msUsed, left, right);
  }

  private synthesizeChannel(c: number, out: Float32Array): void {
    const stream = this.streams[c]!;
    const info = stream.info!;
    const layout = info.layout;
    const short = layout.windowSequence === WindowSequence.EIGHT_SHORT;
    let spec = stream.spectrum;
    if (short) {
      deinterleaveShort(layout, spec, this.windowOrder);
      spec = this.windowOrder;
    }
    if (stream.tns) applyTns(spec, stream.tns, short, layout.swbOffsets, layout.maxSfb, this.ctx.tables.sampleRateIndex);
    this.filterbank.synthesize(spec, layout.windowSequence, info.windowShape, this.synthesis[c]!, out, c, this.channels);
  }
}

/** data_stream_element(): tag, byte-align flag, count (255 + 8 more bits), bytes. */
function skipDataStream(r: BitReader): void {
  r.skip(4);
  const align = r.readFlag();
  let count = r.read(8);
  if (count === 255) count += r.read(8);
  if (align) r.skipToByte();
  r.skip(count * 8);
}

/** fill_element(): count (15 + 8 more bits, minus 1), then that many bytes (SBR data is ignored). */
function skipFill(r: BitReader): void {
  let count = r.read(4);
  if (count === 15) count += r.read(8) - 1;
  r.skip(count * 8);
}

/** program_config_element() (section 4.4.1.1), skipped: the configuration comes from the ASC. */
function skipProgramConfig(r: BitReader): void {
  r.skip(4 + 2 + 4);
  const front = r.read(4);
  const side = r.read(4);
  const back = r.read(4);
  const lfe = r.read(2);
  const assoc = r.read(3);
  const cc = r.read(4);
  for (let i = 0; i < 3; i++) if (r.readFlag()) r.skip(i === 2 ? 3 : 4);
  r.skip((front + side + back) * 5 + lfe * 4 + assoc * 4 + cc * 5);
  r.skipToByte();
  r.skip(r.read(8) * 8);
}
