import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { NAL_TYPE, isKeyframe, nalRefIdc, nalType } from "../../../src/codecs/h264/nal.ts";
import { FLV_1080P, FLV_BBB } from "../../flv/flv-fixtures.ts";
import { avcFromFlv } from "./h264-samples.ts";

const test = suite("codecs/h264/nal");

test("nalType and nalRefIdc read the header byte of the fixtures' SPS and PPS", () => {
  const { sps, pps } = avcFromFlv(FLV_BBB);
  assert.is(nalType(sps), NAL_TYPE.SPS);
  assert.is(nalType(pps), NAL_TYPE.PPS);
  assert.is(nalRefIdc(sps), 1, "0x27: nal_ref_idc 1");
  assert.is(nalRefIdc(avcFromFlv(FLV_1080P).sps), 3, "0x67: nal_ref_idc 3");
});

test("exactly the access units with an IDR slice are keyframes: 18 of 812 in Big Buck Bunny, 1 of 75 in testsrc", () => {
  assert.is(avcFromFlv(FLV_BBB).accessUnits.filter(isKeyframe).length, 18);
  const hi = avcFromFlv(FLV_1080P).accessUnits;
  assert.is(hi.filter(isKeyframe).length, 1);
  assert.ok(isKeyframe(hi[0]!), "the first access unit is the IDR");
});

test("an access unit with only SPS, PPS and SEI is not a keyframe, and empty NAL units are ignored", () => {
  const { sps, pps } = avcFromFlv(FLV_BBB);
  assert.not.ok(isKeyframe([sps, pps, Uint8Array.of(0x06, 0x05, 0x80), new Uint8Array(0)]));
  assert.ok(isKeyframe([new Uint8Array(0), Uint8Array.of(0x65, 0x88)]));
  assert.not.ok(isKeyframe([]));
});

test("nalType of an empty NAL unit is ERR_H264_NAL_EMPTY", () => {
  assert.throws(() => nalType(new Uint8Array(0)), (e: unknown) => e instanceof ParseError && e.code === "ERR_H264_NAL_EMPTY");
  assert.throws(() => nalRefIdc(new Uint8Array(0)), (e: unknown) => e instanceof ParseError && e.code === "ERR_H264_NAL_EMPTY");
});

test.run();
