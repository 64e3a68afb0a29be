import * as assert from 'node:assert/strict';
import { encodePng, type PngChannels } from '../../src/kernel/png';
import { bitwiseCrc32, decodePng, PNG_SIGNATURE } from './pngDecode';

/** Deterministic pseudo-random bytes (a linear congruential generator), so failures reproduce. */
function randomBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** A smooth gradient with some noise: exercises the Sub/Up/Average/Paeth filters, not only None. */
function gradient(width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  const noise = randomBytes(out.length, 7);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        out[i] = (x * 3 + y * 5 + c * 40 + (noise[i] & 3)) & 0xff;
      }
    }
  }
  return out;
}

describe('encodePng', () => {
  const colorTypes: Record<PngChannels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
  const sizes: Array<[number, number]> = [[1, 1], [2, 3], [17, 5], [64, 48]];

  for (const channels of [1, 2, 3, 4] as PngChannels[]) {
    for (const [width, height] of sizes) {
      it(`round-trips random ${width}x${height} images with ${channels} channel(s)`, () => {
        const pixels = randomBytes(width * height * channels, width * 1000 + height * 10 + channels);
        const png = decodePng(encodePng(pixels, width, height, channels));
        assert.equal(png.width, width);
        assert.equal(png.height, height);
        assert.equal(png.colorType, colorTypes[channels]);
        assert.deepEqual(png.pixels, pixels);
      });
    }
    it(`round-trips a gradient with ${channels} channel(s)`, () => {
      const pixels = gradient(40, 30, channels);
      const png = decodePng(encodePng(pixels, 40, 30, channels));
      assert.deepEqual(png.pixels, pixels);
    });
  }

  it('uses more than the None filter on smooth images', () => {
    const png = decodePng(encodePng(gradient(40, 30, 3), 40, 30, 3));
    assert.ok(png.filterTypes.some(f => f !== 0), `filters used: ${png.filterTypes.join(',')}`);
  });

  it('accepts Uint8ClampedArray and subarray views', () => {
    const backing = randomBytes(100, 3);
    const view = backing.subarray(10, 10 + 4 * 3 * 3);
    assert.deepEqual(decodePng(encodePng(view, 4, 3, 3)).pixels, view);
    const clamped = new Uint8ClampedArray(backing.buffer, 20, 2 * 2 * 4);
    assert.deepEqual(decodePng(encodePng(clamped, 2, 2, 4)).pixels, new Uint8Array(clamped));
  });

  it('writes the signature, IHDR, IDAT and IEND with valid CRCs', () => {
    const file = encodePng(randomBytes(5 * 4 * 3, 1), 5, 4, 3);
    assert.deepEqual([...file.subarray(0, 8)], PNG_SIGNATURE);
    // IHDR is the first chunk, 13 bytes long.
    assert.equal(file.readUInt32BE(8), 13);
    assert.equal(file.toString('latin1', 12, 16), 'IHDR');
    const png = decodePng(file);
    assert.equal(png.chunkTypes[0], 'IHDR');
    assert.equal(png.chunkTypes.at(-1), 'IEND');
    assert.ok(png.chunkTypes.includes('IDAT'));
    assert.deepEqual(
      [png.width, png.height, png.bitDepth, png.colorType, png.compression, png.filterMethod, png.interlace],
      [5, 4, 8, 2, 0, 0, 0]);
  });

  it('has a bitwise CRC that matches the PNG spec check value', () => {
    // CRC-32 of "123456789" is 0xCBF43926 (the standard check value).
    assert.equal(bitwiseCrc32(Buffer.from('123456789')), 0xcbf43926);
    // The IEND chunk's CRC is always AE 42 60 82.
    const file = encodePng(new Uint8Array(1), 1, 1, 1);
    assert.deepEqual([...file.subarray(-4)], [0xae, 0x42, 0x60, 0x82]);
  });

  describe('argument checks', () => {
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['too few pixels', () => encodePng(new Uint8Array(11), 2, 2, 3), /pixels has 11 samples.*needs 12/],
      ['too many pixels', () => encodePng(new Uint8Array(13), 2, 2, 3), /pixels has 13 samples/],
      ['zero width', () => encodePng(new Uint8Array(0), 0, 2, 1), /width must be a positive integer, got 0/],
      ['fractional height', () => encodePng(new Uint8Array(4), 2, 1.5, 1), /height must be a positive integer, got 1.5/],
      ['NaN height', () => encodePng(new Uint8Array(4), 2, NaN, 1), /height must be a positive integer, got NaN/],
      ['negative width', () => encodePng(new Uint8Array(4), -2, 2, 1), /width must be a positive integer/],
      ['5 channels', () => encodePng(new Uint8Array(20), 2, 2, 5 as PngChannels), /channels must be 1, 2, 3 or 4, got 5/],
      ['a plain array', () => encodePng([1, 2, 3, 4] as unknown as Uint8Array, 2, 2, 1), /pixels must be a Uint8Array.*got Array/],
      ['a Float32Array', () => encodePng(new Float32Array(4) as unknown as Uint8Array, 2, 2, 1), /pixels must be.*got Float32Array/],
    ];
    for (const [name, call, message] of cases) {
      it(`rejects ${name}`, () => {
        assert.throws(call, (e: Error) => {
          assert.match(e.message, /^encodePng: /);
          assert.match(e.message, message);
          return true;
        });
      });
    }
  });
});
