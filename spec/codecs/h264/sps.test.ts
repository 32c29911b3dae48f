import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { BitWriter } from "../../../src/codecs/bits.ts";
import { parseSps, type Sps } from "../../../src/codecs/h264/sps.ts";
import { splitAnnexB } from "../../../src/codecs/h264/annexb.ts";
import { addEmulationPrevention, removeEmulationPrevention } from "../../../src/codecs/h264/emulation-prevention.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { FLV_1080P, FLV_BBB } from "../../flv/flv-fixtures.ts";
import { avcFromFlv, ffmpegSpsTrace, ffprobeH264, obsSps, x264 } from "./h264-samples.ts";

const test = suite("codecs/h264/sps");

const hi = avcFromFlv(FLV_1080P);
const bbb = avcFromFlv(FLV_BBB);
const obs = obsSps();

test("the 1080p fixture's SPS is High profile level 4.0, 1920x1080 at 24 fps with 8 rows cropped", () => {
  const s = parseSps(hi.sps);
  assert.is(s.profileIdc, 100);
  assert.is(s.levelIdc, 40);
  assert.is(s.chromaFormatIdc, 1);
  assert.is(s.bitDepthLumaMinus8, 0);
  assert.equal(s.frameCropping, { left: 0, right: 0, top: 0, bottom: 4 });
  assert.is(s.width, 1920);
  assert.is(s.height, 1080);
  assert.is(s.fps, 24);
});

test("the Big Buck Bunny SPS is Constrained Baseline level 2.1, 480x270, with no VUI timing", () => {
  const s = parseSps(bbb.sps);
  assert.is(s.profileIdc, 66);
  assert.is(s.constraintFlags & 0xc0, 0xc0);
  assert.is(s.levelIdc, 21);
  assert.is(s.width, 480);
  assert.is(s.height, 270);
  assert.is(s.fps, undefined);
  assert.is(s.vui?.colourPrimaries, 6);
});

test("OBS 27's SPS from the nginx-rtmp capture is Constrained Baseline 3.1, 1280x720 at 30 fps", () => {
  if (!obs) return;
  const s = parseSps(obs.sps);
  assert.is(s.profileIdc, 66);
  assert.is(s.levelIdc, 31);
  assert.is(s.picOrderCntType, 2);
  assert.is(s.width, 1280);
  assert.is(s.height, 720);
  assert.is(s.fps, 30);
});

test("an SPS whose body has 0x000003 is read from its RBSP, and the input is left as it was", () => {
  const copy = hi.sps.slice();
  assert.ok(removeEmulationPrevention(hi.sps).length < hi.sps.length, "the 1080p SPS carries emulation prevention bytes");
  parseSps(hi.sps);
  assert.equal(hi.sps, copy);
});

test("an SPS cut inside its VUI still gives the frame size, without the fps it did not reach", () => {
  const cut = parseSps(hi.sps.subarray(0, hi.sps.length - 6));
  assert.is(cut.width, 1920);
  assert.is(cut.height, 1080);
  assert.is(cut.vuiParametersPresentFlag, true);
  assert.is(cut.fps, undefined);
});

// A hand-built Baseline SPS: pic_order_cnt_type 1 with a 3-entry offset cycle, no VUI, and the
// given size in macroblocks and right-hand cropping (in chroma units of 2 samples).
function handBuiltSps(widthMbs: number, heightMbs: number, cropRight = 0): Uint8Array {
  const w = new BitWriter();
  w.write(8, 0x67);
  w.write(8, 66); w.write(8, 0); w.write(8, 30);
  w.writeUE(0); // seq_parameter_set_id
  w.writeUE(0); // log2_max_frame_num_minus4
  w.writeUE(1); // pic_order_cnt_type
  w.write(1, 0); w.writeSE(-1); w.writeSE(2); // delta_pic_order_always_zero, offsets
  w.writeUE(3); w.writeSE(1); w.writeSE(-2); w.writeSE(3); // the cycle
  w.writeUE(1); w.write(1, 0); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.writeUE(widthMbs - 1); w.writeUE(heightMbs - 1);
  w.write(1, 1); w.write(1, 1); // frame_mbs_only_flag, direct_8x8_inference_flag
  w.writeFlag(cropRight > 0);
  if (cropRight > 0) { w.writeUE(0); w.writeUE(cropRight); w.writeUE(0); w.writeUE(0); }
  w.write(1, 0); // vui_parameters_present_flag
  w.write(1, 1); // rbsp_stop_one_bit
  w.alignZero();
  return addEmulationPrevention(w.finish());
}

test("pic_order_cnt_type 1 with its offset cycle is skipped to reach the frame size", () => {
  const s = parseSps(handBuiltSps(80, 45));
  assert.is(s.picOrderCntType, 1);
  assert.is(s.width, 1280);
  assert.is(s.height, 720);
  assert.is(s.vuiParametersPresentFlag, false);
});

// Bad input table: each case maps to the ParseError code it must raise.
const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "empty", bytes: new Uint8Array(0), code: "ERR_H264_NAL_EMPTY" },
  { name: "a PPS", bytes: Uint8Array.of(0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0), code: "ERR_H264_SPS_NOT_SPS" },
  { name: "forbidden bit set", bytes: Uint8Array.of(0xe7, 0x42, 0, 30, 0xff), code: "ERR_H264_FORBIDDEN_BIT" },
  { name: "header only", bytes: Uint8Array.of(0x67, 0x42, 0), code: "ERR_H264_SPS_TRUNCATED" },
  { name: "cut before the frame size", bytes: hi.sps.subarray(0, 6), code: "ERR_H264_SPS_TRUNCATED" },
  { name: "seq_parameter_set_id 32", bytes: Uint8Array.of(0x67, 0x42, 0, 30, 0b00000100, 0b00100000, 0xff), code: "ERR_H264_SPS_RANGE" },
  { name: "chroma_format_idc 4", bytes: Uint8Array.of(0x67, 100, 0, 40, 0b10010100, 0xff, 0xff), code: "ERR_H264_SPS_RANGE" },
  { name: "Exp-Golomb code of 33 zeros", bytes: Uint8Array.of(0x67, 0x42, 0, 30, 0, 0, 0, 0, 0, 0x01, 0xff), code: "ERR_BITS_EXP_GOLOMB" },
  { name: "4 KB + 1 of SPS", bytes: Uint8Array.from({ length: 4097 }, (_, i) => (i === 0 ? 0x67 : 0xff)), code: "ERR_H264_SPS_TOO_LARGE" },
];

for (const c of bad) {
  test(`bad SPS (${c.name}) is refused with ${c.code}`, () => {
    try {
      parseSps(c.bytes);
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, c.code);
      return;
    }
    assert.unreachable("parseSps accepted it");
  });
}

test("cropping that leaves no picture is refused with ERR_H264_SPS_RANGE", () => {
  assert.is(parseSps(handBuiltSps(1, 1, 7)).width, 2, "7 chroma units of 2 leave 2 of 16 samples");
  const sps = handBuiltSps(1, 1, 8);
  const err = (() => {
    try {
      parseSps(sps);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.instance(err, ParseError);
  assert.is((err as ParseError).code, "ERR_H264_SPS_RANGE");
});

test("fuzzed SPSs raise only ParseError, and an accepted one has a frame size within the syntax's bounds", () => {
  const inputs = [hi.sps, bbb.sps, handBuiltSps(80, 45, 3), ...(obs ? [obs.sps] : [])];
  const report = runFuzz("h264-sps", {
    seed: 0x5b5,
    count: 4000,
    inputs,
    check: (bytes) => {
      const s = parseSps(bytes);
      assert.ok(s.width > 0 && s.width <= 16384 && s.height > 0 && s.height <= 32768, `${s.width}x${s.height}`);
    },
  });
  assert.ok(report.accepted > 0 && (report.codes.get("ERR_H264_SPS_TRUNCATED") ?? 0) > 0, "fuzzing reached both outcomes");
});

test.run();

// ffmpeg's trace_headers decodes the same SPS bytes element by element; ffprobe gives the size.
const e2e = e2eSuite("codecs/h264/sps vs ffmpeg", ["ffmpeg", "ffprobe"]);

function compareWithTrace(s: Sps, trace: Map<string, number>): void {
  const expect: [string, number | undefined][] = [
    ["profile_idc", s.profileIdc],
    ["level_idc", s.levelIdc],
    ["seq_parameter_set_id", s.seqParameterSetId],
    ["chroma_format_idc", trace.has("chroma_format_idc") ? s.chromaFormatIdc : undefined],
    ["bit_depth_luma_minus8", trace.has("bit_depth_luma_minus8") ? s.bitDepthLumaMinus8 : undefined],
    ["bit_depth_chroma_minus8", trace.has("bit_depth_chroma_minus8") ? s.bitDepthChromaMinus8 : undefined],
    ["seq_scaling_matrix_present_flag", trace.has("seq_scaling_matrix_present_flag") ? Number(s.seqScalingMatrixPresentFlag) : undefined],
    ["log2_max_frame_num_minus4", s.log2MaxFrameNumMinus4],
    ["pic_order_cnt_type", s.picOrderCntType],
    ["log2_max_pic_order_cnt_lsb_minus4", s.log2MaxPicOrderCntLsbMinus4],
    ["max_num_ref_frames", s.maxNumRefFrames],
    ["pic_width_in_mbs_minus1", s.picWidthInMbsMinus1],
    ["pic_height_in_map_units_minus1", s.picHeightInMapUnitsMinus1],
    ["frame_mbs_only_flag", Number(s.frameMbsOnlyFlag)],
    ["frame_crop_left_offset", s.frameCropping?.left],
    ["frame_crop_right_offset", s.frameCropping?.right],
    ["frame_crop_top_offset", s.frameCropping?.top],
    ["frame_crop_bottom_offset", s.frameCropping?.bottom],
    ["vui_parameters_present_flag", Number(s.vuiParametersPresentFlag)],
    ["num_units_in_tick", s.vui?.numUnitsInTick],
    ["time_scale", s.vui?.timeScale],
  ];
  for (const [name, ours] of expect) assert.is(ours, trace.get(name), `${name}: ours ${ours}, ffmpeg ${trace.get(name)}`);
}

e2e("the fixture SPSs and the hand-built one decode field for field as ffmpeg's trace_headers decodes them", () => {
  const pocType1 = { sps: handBuiltSps(80, 45, 3), pps: bbb.pps };
  for (const sample of [hi, bbb, pocType1, ...(obs ? [obs] : [])]) {
    const trace = ffmpegSpsTrace(sample.sps, sample.pps);
    assert.ok(trace.size > 15, "trace_headers printed the SPS");
    compareWithTrace(parseSps(sample.sps), trace);
  }
});

const variants: { name: string; size: string; args: string[]; profile: number }[] = [
  { name: "Baseline 320x240", size: "320x240", args: ["-profile:v", "baseline"], profile: 66 },
  { name: "Main, odd size 350x198 (cropped)", size: "350x198", args: ["-profile:v", "main"], profile: 77 },
  { name: "High interlaced (frame_mbs_only_flag 0)", size: "720x576", args: ["-flags", "+ildct+ilme", "-x264-params", "interlaced=1"], profile: 100 },
  { name: "High 4:2:2 10-bit with JVT scaling lists", size: "640x360", args: ["-pix_fmt", "yuv422p10le", "-x264-params", "cqm=jvt"], profile: 122 },
  { name: "High 4:4:4 Predictive 10-bit, odd size", size: "350x198", args: ["-pix_fmt", "yuv444p10le", "-x264-params", "cqm=jvt"], profile: 244 },
];

for (const v of variants) {
  e2e(`an SPS from libx264 (${v.name}) gives ffprobe's size and trace_headers' fields`, () => {
    const stream = x264(v.size, 2, v.args);
    const nalus = splitAnnexB(stream);
    const sps = nalus.find((n) => (n[0]! & 0x1f) === 7)!;
    const pps = nalus.find((n) => (n[0]! & 0x1f) === 8)!;
    const s = parseSps(sps);
    assert.is(s.profileIdc, v.profile);
    const probe = ffprobeH264(stream);
    assert.is(s.width, probe.width);
    assert.is(s.height, probe.height);
    assert.is(s.levelIdc, probe.level);
    compareWithTrace(s, ffmpegSpsTrace(sps, pps));
  });
}

e2e.run();
