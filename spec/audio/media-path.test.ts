import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readSoundFile, resolveMediaPath } from "../../src/audio/media-path.ts";
import { makeConfig } from "../../src/config.ts";
import { TranspondError } from "../../src/errors.ts";

const test = suite("audio/media-path");
let root = "";
let media = "";

function tinyWav(): Uint8Array {
  const b = Buffer.alloc(48);
  b.write("RIFF", 0, "latin1"); b.writeUInt32LE(40, 4); b.write("WAVEfmt ", 8, "latin1");
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write("data", 36, "latin1"); b.writeUInt32LE(4, 40); b.writeInt16LE(16384, 44);
  return new Uint8Array(b);
}

test.before(() => {
  root = mkdtempSync(join(tmpdir(), "transpond-media-"));
  media = join(root, "media");
  mkdirSync(join(media, "sub"), { recursive: true });
  writeFileSync(join(media, "beep.wav"), tinyWav());
  writeFileSync(join(media, "sub", "inner.wav"), tinyWav());
  writeFileSync(join(root, "secret.wav"), tinyWav());
  symlinkSync(join(root, "secret.wav"), join(media, "escape.wav"));
  symlinkSync(root, join(media, "updir"));
  symlinkSync(join(media, "beep.wav"), join(media, "alias.wav"));
  mkdirSync(join(media, "folder.wav"));
});
test.after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test("resolves plain names and names in sub-folders to their real path", async () => {
  assert.is(await resolveMediaPath(media, "beep.wav"), join(media, "beep.wav"));
  assert.is(await resolveMediaPath(media, "sub/inner.wav"), join(media, "sub", "inner.wav"));
  assert.is(await resolveMediaPath(media + "/sub/..", "./beep.wav"), join(media, "beep.wav"));
});

test("follows a symlink that stays inside media_dir", async () => {
  assert.is(await resolveMediaPath(media, "alias.wav"), join(media, "beep.wav"));
});

const REFUSED: [string, string][] = [
  ["../secret.wav", "ERR_MEDIA_PATH_ESCAPE"],
  ["sub/../../secret.wav", "ERR_MEDIA_PATH_ESCAPE"],
  ["/etc/passwd", "ERR_MEDIA_PATH_ESCAPE"],
  ["escape.wav", "ERR_MEDIA_PATH_ESCAPE"],
  ["updir/secret.wav", "ERR_MEDIA_PATH_ESCAPE"],
  ["beep.wav\0.txt", "ERR_MEDIA_NAME"],
  ["..\\secret.wav", "ERR_MEDIA_NAME"],
  ["", "ERR_MEDIA_NAME"],
  ["x".repeat(300), "ERR_MEDIA_NAME"],
  ["missing.wav", "ERR_MEDIA_NOT_FOUND"],
];

test("refuses names that leave media_dir, bad names and missing files with a clear code", async () => {
  for (const [name, code] of REFUSED) {
    try {
      await resolveMediaPath(media, name);
      assert.unreachable(`${JSON.stringify(name)} accepted`);
    } catch (e) {
      assert.instance(e, TranspondError, String(e));
      assert.is((e as TranspondError).code, code, `${JSON.stringify(name)}: ${(e as Error).message}`);
    }
  }
});

test("refuses a missing media_dir", async () => {
  try {
    await resolveMediaPath(join(root, "nope"), "beep.wav");
    assert.unreachable();
  } catch (e) {
    assert.is((e as TranspondError).code, "ERR_MEDIA_DIR");
  }
});

test("reads and parses a sound file, and refuses a folder or a link out of media_dir", async () => {
  const w = await readSoundFile(media, "beep.wav");
  assert.equal(Array.from(w.pcm.samples), [0.5, 0]);
  for (const [name, code, limits] of [["folder.wav", "ERR_MEDIA_NOT_FILE", {}], ["escape.wav", "ERR_MEDIA_PATH_ESCAPE", {}]] as const) {
    try {
      await readSoundFile(media, name, limits);
      assert.unreachable(name);
    } catch (e) {
      assert.is((e as TranspondError).code, code, String(e));
    }
  }
});

test("the shipped media/sample.wav (the pages' default sound_on file) reads from the default media_dir: 1.6 s at -12 dBFS", async () => {
  const wav = await readSoundFile(makeConfig({}).media_dir, "sample.wav");
  assert.is(wav.sampleRate, 16000);
  assert.is(wav.channels, 1);
  assert.is(wav.frames, 25600);
  const peak = wav.pcm.samples.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
  assert.ok(Math.abs(20 * Math.log10(peak) + 12) < 0.5, `peak ${peak}`);
});

test.run();
