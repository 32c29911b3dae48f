/**
 * Emulation prevention (ITU-T H.264 section 7.4.1): inside a NAL unit every 0x000003 stands for
 * 0x0000 followed by the byte after the 0x03. `removeEmulationPrevention` gives the RBSP the syntax
 * parsers read; `addEmulationPrevention` is its inverse, for NAL units we build.
 */

/** The RBSP of a NAL unit: every emulation_prevention_three_byte dropped. Returns the input itself when none is present. */
export function removeEmulationPrevention(nal: Uint8Array): Uint8Array {
  let first = -1;
  for (let i = 2; i < nal.length; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first < 0) return nal;
  const out = new Uint8Array(nal.length);
  out.set(nal.subarray(0, first));
  let n = first;
  let zeros = 0;
  for (let i = first + 1; i < nal.length; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.slice(0, n);
}

/** Inserts 0x03 after every two zero bytes that are followed by a byte <= 3. */
export function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}
