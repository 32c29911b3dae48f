/**
 * Sound files are read only from `media_dir`. A name given over the REST API (`/push/sound_on`,
 * `inject_sound`) is resolved inside that folder and refused when it could leave it: absolute paths,
 * `..` segments, NUL bytes, backslashes, and symlinks whose target lies outside (checked on the real
 * path of both the folder and the file). The file is then opened by its real path with O_NOFOLLOW,
 * so a link swapped in after the check is not followed either.
 */
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { isAbsolute, join, sep } from "node:path";
import { TranspondError } from "../errors.ts";
import { decodeWav, type WavFile, type WavLimits } from "./wav-reader.ts";
import { AudioError, MEDIA_FILE_ERR } from "./errors.ts";

export const MEDIA_NAME_MAX = 255;

type MediaErrorCode = (typeof MEDIA_FILE_ERR)[keyof typeof MEDIA_FILE_ERR];

function refuse(code: MediaErrorCode, name: string, why: string): TranspondError {
  return new AudioError(code, `sound file ${JSON.stringify(name)}: ${why}`);
}

/** Checks a name without touching the file system; throws ERR_MEDIA_NAME / ERR_MEDIA_PATH_ESCAPE. */
export function checkMediaName(name: string): void {
  if (name.length === 0) throw refuse(MEDIA_FILE_ERR.NAME, name, "empty name");
  if (name.length > MEDIA_NAME_MAX) throw refuse(MEDIA_FILE_ERR.NAME, name.slice(0, 40) + "...", `name longer than ${MEDIA_NAME_MAX} characters`);
  if (name.includes("\0")) throw refuse(MEDIA_FILE_ERR.NAME, name, "NUL byte in the name");
  if (name.includes("\\")) throw refuse(MEDIA_FILE_ERR.NAME, name, "backslash in the name");
  if (isAbsolute(name)) throw refuse(MEDIA_FILE_ERR.PATH_ESCAPE, name, "absolute paths are not allowed");
  if (name.split("/").includes("..")) throw refuse(MEDIA_FILE_ERR.PATH_ESCAPE, name, "'..' is not allowed");
}

/**
 * The real path of `name` inside `mediaDir`. Throws TranspondError with code ERR_MEDIA_NAME,
 * ERR_MEDIA_PATH_ESCAPE (outside the folder, also through a symlink), ERR_MEDIA_NOT_FOUND or
 * ERR_MEDIA_DIR (the folder itself is missing).
 */
export async function resolveMediaPath(mediaDir: string, name: string): Promise<string> {
  checkMediaName(name);
  let dir: string;
  try {
    dir = await realpath(mediaDir);
  } catch (err) {
    throw new AudioError(MEDIA_FILE_ERR.DIR, `media_dir ${JSON.stringify(mediaDir)} is not accessible`, { cause: err });
  }
  let real: string;
  try {
    real = await realpath(join(dir, name));
  } catch (err) {
    throw new AudioError(MEDIA_FILE_ERR.NOT_FOUND, `sound file ${JSON.stringify(name)} not found in media_dir`, { cause: err });
  }
  if (!real.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
    throw refuse(MEDIA_FILE_ERR.PATH_ESCAPE, name, "resolves (through a symlink) to a file outside media_dir");
  }
  return real;
}

/** Resolve, open and parse a WAV file from `mediaDir` (see resolveMediaPath and decodeWav). */
export async function readSoundFile(mediaDir: string, name: string, limits: WavLimits = {}): Promise<WavFile> {
  const real = await resolveMediaPath(mediaDir, name);
  // O_NONBLOCK: opening a FIFO would otherwise hold a thread-pool thread until a writer comes.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    throw new AudioError(MEDIA_FILE_ERR.NOT_FOUND, `sound file ${JSON.stringify(name)} cannot be opened`, { cause: err });
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw refuse(MEDIA_FILE_ERR.NOT_FILE, name, "not a regular file");
    const max = (limits.maxDataBytes ?? 256 * 1024 * 1024) + 1024 * 1024;
    if (st.size > max) throw refuse(MEDIA_FILE_ERR.TOO_LARGE, name, `${st.size} bytes is more than the ${max}-byte limit`);
    const bytes = new Uint8Array(st.size);
    const { bytesRead } = await handle.read(bytes, 0, st.size, 0);
    return decodeWav(bytes.subarray(0, bytesRead), limits);
  } finally {
    await handle.close();
  }
}
