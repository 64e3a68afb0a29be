// PGM / PPM (Netpbm) decoding: P2 and P5 (grey), P3 and P6 (RGB), maxval 1..65535 (two big-endian bytes per
// sample in the binary forms when maxval > 255). Written here because the format is a few lines and no codec
// package is installed for it; the research face sets (ORL) ship as P5.

/** Samples as stored in the file, with the maxval that scales them to [0, 1]. */
export interface PnmImage {
  width: number;
  height: number;
  channels: 1 | 3;
  maxval: number;
  /** Row-major, channels interleaved, values 0..maxval. */
  samples: Uint16Array;
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;

/** True when `bytes` starts like a PGM or PPM file (any of P2, P3, P5, P6), or like another Netpbm type. */
export function looksLikePnm(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x37 && isSpace(bytes[2]);
}

/** Decodes a PGM (P2/P5) or PPM (P3/P6) file; errors start "not a valid PGM/PPM file: ". */
export function decodePnm(bytes: Uint8Array): PnmImage {
  const fail = (why: string): never => { throw new Error(`not a valid PGM/PPM file: ${why}`); };
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (magic === 'P1' || magic === 'P4') fail('PBM (bitmap, P1/P4) is not supported; convert it to PGM');
  if (magic === 'P7') fail('PAM (P7) is not supported; convert it to PGM or PPM');
  if (!['P2', 'P3', 'P5', 'P6'].includes(magic)) fail(`magic number '${magic}' is not P2, P3, P5 or P6`);
  const ascii = magic === 'P2' || magic === 'P3';
  const channels: 1 | 3 = magic === 'P2' || magic === 'P5' ? 1 : 3;
  let pos = 2;

  // Header tokens are separated by whitespace; '#' starts a comment up to the end of the line.
  const token = (what: string, ended = `ends before ${what}`): number => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
    }
    if (pos >= bytes.length) fail(ended);
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (pos === start) fail(`expected ${what} at byte ${start}`);
    if (pos < bytes.length && !isSpace(bytes[pos]) && bytes[pos] !== 0x23) fail(`unexpected byte ${bytes[pos]} after ${what}`);
    return Number(String.fromCharCode(...bytes.subarray(start, pos)));
  };
  const width = token('the width'), height = token('the height'), maxval = token('the maxval');
  if (width < 1 || height < 1) fail(`size ${width}x${height} is empty`);
  if (maxval < 1 || maxval > 65535) fail(`maxval ${maxval} is outside 1..65535`);
  const count = width * height * channels;
  const samples = new Uint16Array(count);

  if (ascii) {
    for (let i = 0; i < count; i++) {
      samples[i] = token(`sample ${i}`, `ends after ${i} of ${count} samples`);
    }
  } else {
    // Exactly one whitespace byte separates the maxval from the raster.
    if (!isSpace(bytes[pos])) fail('no whitespace after the maxval');
    pos++;
    const wide = maxval > 255;
    const need = count * (wide ? 2 : 1);
    if (bytes.length - pos < need) fail(`raster has ${bytes.length - pos} bytes, ${need} needed for ${width}x${height}x${channels}`);
    for (let i = 0; i < count; i++) {
      samples[i] = wide ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i];
    }
  }
  for (let i = 0; i < count; i++) if (samples[i] > maxval) fail(`sample ${i} is ${samples[i]}, above the maxval ${maxval}`);
  return { width, height, channels, maxval, samples };
}
