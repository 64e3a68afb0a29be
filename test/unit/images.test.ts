// images.load / images.toPng: every format is written here with a codec (pngjs, jpeg-js, omggif, or by hand for
// PGM/PPM) and read back; lossless formats must give exactly sample / maxval as float32.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, ready } from '../../src/lib/tf';
import * as images from '../../src/lib/images';
import { decodePng } from './pngDecode';
import { checkNoTensorLeaks, ORL, skipWithoutOrl } from './libraryTestKit';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js') as typeof import('jpeg-js');
const { GifWriter } = require('omggif');


/** Deterministic bytes (an LCG), so failures reproduce. */
function lcgBytes(count: number, seed: number, max = 256): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.floor((s / 2 ** 32) * max));
  }
  return out;
}

function pngBytes(samples: number[], width: number, height: number, channels: 1 | 3 | 4): Buffer {
  const colorType = { 1: 0, 3: 2, 4: 6 }[channels];
  const png = new PNG({ width, height });
  png.data = Buffer.from(samples);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4 });
}

function pnmText(magic: string, width: number, height: number, maxval: number, samples: number[]): Buffer {
  return Buffer.from(`${magic}\n# a comment\n${width} ${height}\n# another\n${maxval}\n${samples.join(' ')}\n`, 'latin1');
}

function pnmBinary(magic: string, width: number, height: number, maxval: number, samples: number[]): Buffer {
  const header = Buffer.from(`${magic}\n${width} # width\n${height}\n${maxval}\n`, 'latin1');
  const body = Buffer.alloc(samples.length * (maxval > 255 ? 2 : 1));
  samples.forEach((v, i) => (maxval > 255 ? body.writeUInt16BE(v, 2 * i) : body.writeUInt8(v, i)));
  return Buffer.concat([header, body]);
}

async function valuesOf(t: tf.Tensor): Promise<Float32Array> {
  const v = await t.data() as Float32Array;
  t.dispose();
  return v;
}

function assertExact(got: Float32Array, samples: number[], maxval: number, what: string): void {
  assert.equal(got.length, samples.length, `${what}: length`);
  for (let i = 0; i < samples.length; i++) {
    if (got[i] !== Math.fround(samples[i] / maxval)) assert.fail(`${what}: value ${i} is ${got[i]}, expected ${samples[i]}/${maxval}`);
  }
}

describe('images', () => {
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  describe('load', () => {
    for (const channels of [1, 3, 4] as const) {
      it(`reads ${channels}-channel PNG exactly`, async () => {
        const [w, h] = [7, 5];
        const samples = lcgBytes(w * h * channels, 10 + channels);
        const t = await images.load(pngBytes(samples, w, h, channels));
        assert.deepEqual(t.shape, [h, w, channels]);
        assert.equal(t.dtype, 'float32');
        assertExact(await valuesOf(t), samples, 255, `PNG ${channels}`);
      });
    }

    it('converts channels: RGB to grey (Rec. 601 luma), grey to RGB, RGB to RGBA', async () => {
      const [w, h] = [4, 3];
      const rgb = lcgBytes(w * h * 3, 5);
      const grey = await valuesOf(await images.load(pngBytes(rgb, w, h, 3), { channels: 1 }));
      for (let i = 0; i < w * h; i++) {
        const expected = Math.fround(0.299 * (rgb[3 * i] / 255) + 0.587 * (rgb[3 * i + 1] / 255) + 0.114 * (rgb[3 * i + 2] / 255));
        assert.ok(Math.abs(grey[i] - expected) <= 1e-7, `pixel ${i}: ${grey[i]} vs ${expected}`);
      }
      const g = lcgBytes(w * h, 6);
      const asRgb = await valuesOf(await images.load(pngBytes(g, w, h, 1), { channels: 3 }));
      assertExact(asRgb, g.flatMap(v => [v, v, v]), 255, 'grey as RGB');
      const asRgba = await valuesOf(await images.load(pngBytes(rgb, w, h, 3), { channels: 4 }));
      assertExact(asRgba, Array.from({ length: w * h }, (_, i) => [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255]).flat(), 255, 'RGB as RGBA');
    });

    it('reads GIF exactly (palette, grey detection, transparency)', async () => {
      const [w, h] = [6, 4];
      const palette = [0x000000, 0xff0000, 0x00ff00, 0x0000ff, 0x808080, 0xffffff, 0x123456, 0xabcdef];
      const indices = lcgBytes(w * h, 3, palette.length);
      const buf = Buffer.alloc(4096);
      const writer = new GifWriter(buf, w, h, { palette });
      writer.addFrame(0, 0, w, h, indices);
      const gif = buf.subarray(0, writer.end());
      const rgb = indices.flatMap(i => [(palette[i] >> 16) & 255, (palette[i] >> 8) & 255, palette[i] & 255]);
      const t = await images.load(gif);
      assert.deepEqual(t.shape, [h, w, 3]);
      assertExact(await valuesOf(t), rgb, 255, 'GIF');

      const greyPalette = [0x000000, 0x404040, 0x808080, 0xffffff];
      const greyIdx = lcgBytes(w * h, 4, 4);
      const gbuf = Buffer.alloc(4096);
      const gw = new GifWriter(gbuf, w, h, { palette: greyPalette });
      gw.addFrame(0, 0, w, h, greyIdx);
      const gt = await images.load(gbuf.subarray(0, gw.end()));
      assert.deepEqual(gt.shape, [h, w, 1], 'an all-grey GIF (the Yale faces) loads as one channel');
      assertExact(await valuesOf(gt), greyIdx.map(i => greyPalette[i] & 255), 255, 'grey GIF');

      const tbuf = Buffer.alloc(4096);
      const tw = new GifWriter(tbuf, w, h, { palette });
      tw.addFrame(0, 0, w, h, indices, { transparent: 0 });
      const tt = await images.load(tbuf.subarray(0, tw.end()));
      assert.deepEqual(tt.shape, [h, w, 4]);
      const rgba = indices.flatMap(i => (i === 0 ? [0, 0, 0, 0] : [(palette[i] >> 16) & 255, (palette[i] >> 8) & 255, palette[i] & 255, 255]));
      assertExact(await valuesOf(tt), rgba, 255, 'transparent GIF');
    });

    it('reads JPEG as jpeg-js decodes it, close to what was encoded', async () => {
      const [w, h] = [16, 16];
      const rgba = Array.from({ length: w * h }, (_, i) => [(i % w) * 16, Math.floor(i / w) * 16, 128, 255]).flat();
      const encoded = jpeg.encode({ width: w, height: h, data: Buffer.from(rgba) }, 95).data;
      const reference = jpeg.decode(encoded, { useTArray: true, formatAsRGBA: false });
      const t = await images.load(encoded);
      assert.deepEqual(t.shape, [h, w, 3]);
      const got = await valuesOf(t);
      assertExact(got, Array.from(reference.data), 255, 'JPEG');
      const original = rgba.filter((_, i) => i % 4 !== 3);
      const maxError = Math.max(...original.map((v, i) => Math.abs(got[i] * 255 - v)));
      assert.ok(maxError < 16, `JPEG at quality 95 is within 16 levels of the original; got ${maxError}`);
    });

    const pnmCases: [string, 1 | 3, number, (m: string, w: number, h: number, mv: number, s: number[]) => Buffer][] = [
      ['P2', 1, 255, pnmText], ['P5', 1, 255, pnmBinary], ['P3', 3, 255, pnmText], ['P6', 3, 255, pnmBinary],
      ['P2', 1, 1000, pnmText], ['P5', 1, 1000, pnmBinary], ['P3', 3, 65535, pnmText], ['P6', 3, 65535, pnmBinary],
      ['P5', 1, 15, pnmBinary],
    ];
    for (const [magic, channels, maxval, write] of pnmCases) {
      it(`reads ${magic} (${channels === 1 ? 'PGM' : 'PPM'}) with maxval ${maxval} exactly`, async () => {
        const [w, h] = [5, 3];
        const samples = lcgBytes(w * h * channels, maxval + channels, maxval + 1);
        samples[0] = maxval; samples[1] = 0;
        const t = await images.load(write(magic, w, h, maxval, samples));
        assert.deepEqual(t.shape, [h, w, channels]);
        assertExact(await valuesOf(t), samples, maxval, `${magic} maxval ${maxval}`);
      });
    }

    it('reads from a path and resizes to size (a number or [height, width])', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'images-test-'));
      try {
        const file = path.join(dir, 'flat.pgm');
        fs.writeFileSync(file, pnmBinary('P5', 8, 6, 255, new Array(48).fill(51)));
        const a = await images.load(file, { size: 4 });
        assert.deepEqual(a.shape, [4, 4, 1]);
        for (const v of await valuesOf(a)) assert.ok(Math.abs(v - 0.2) < 1e-6);
        const b = await images.load(file, { size: [3, 5], channels: 3 });
        assert.deepEqual(b.shape, [3, 5, 3]);
        b.dispose();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('rejects what it cannot read with errors that say so', async () => {
      await assert.rejects(images.load(Buffer.from('BM not an image at all')), images.ImageDecodeError);
      await assert.rejects(images.load(Buffer.from('BM not an image at all')), /images\.load: the given bytes is not a PNG, JPEG, GIF, PGM or PPM image \(first bytes: 42 4d/);
      await assert.rejects(images.load(new Uint8Array(0)), /it is empty/);
      await assert.rejects(images.load('/nonexistent/face.pgm'), /images\.load: cannot read '\/nonexistent\/face\.pgm'/);
      await assert.rejects(images.load(Buffer.from('P1\n2 2\n0 1 1 0\n')), /PBM .* is not supported/);
      await assert.rejects(images.load(pnmBinary('P5', 4, 4, 255, [1, 2, 3])), /images\.load: the given bytes is not a valid PGM\/PPM file: raster has 3 bytes, 16 needed/);
      await assert.rejects(images.load(pnmText('P2', 2, 2, 10, [1, 2, 11, 3])), /above the maxval 10/);
      await assert.rejects(images.load(pnmText('P2', 2, 2, 10, [1, 2, 3])), /ends after 3 of 4 samples/);
      const png = pngBytes(lcgBytes(12, 1), 2, 2, 3);
      await assert.rejects(images.load(png.subarray(0, 40)), /images\.load: could not decode the given bytes as PNG/);
      await assert.rejects(images.load(png, { channels: 2 as 1 }), /images\.load: channels must be 1, 3 or 4; got 2/);
      await assert.rejects(images.load(png, { size: [0, 3] }), /images\.load: size must be/);
    });

    it('reads an ORL face (PGM P5, 92x112) exactly', async function () {
      skipWithoutOrl(this);
      const file = path.join(ORL, 's1', '1.pgm');
      const bytes = fs.readFileSync(file);
      const header = /^P5\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.toString('latin1', 0, 100));
      assert.ok(header, 'ORL files are binary PGM');
      const [w, h, maxval] = header.slice(1).map(Number);
      const raster = Array.from(bytes.subarray(header[0].length, header[0].length + w * h));
      const t = await images.load(file);
      assert.deepEqual(t.shape, [112, 92, 1]);
      assertExact(await valuesOf(t), raster, maxval, 'ORL s1/1.pgm');
    });
  });

  describe('resize', () => {
    it('resizes bilinearly with half-pixel centres, keeping channels and constants', async () => {
      const t = tf.tensor3d([0, 1, 0, 1], [2, 2, 1]);
      const r = images.resize(t, [4, 4]);
      assert.deepEqual(r.shape, [4, 4, 1]);
      // Half-pixel centres: output column x samples input at (x + 0.5) / 2 - 0.5 -> -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
      assert.deepEqual(Array.from((await valuesOf(r)).slice(0, 4)), [0, 0.25, 0.75, 1]);
      assert.throws(() => images.resize(t, [2, 2, 2] as never), /images\.resize: size must be a whole number >= 1 or \[height, width\]/);
      const flat = tf.fill([3, 5, 3], 0.4) as tf.Tensor3D;
      const r2 = images.resize(flat, 7);
      assert.deepEqual(r2.shape, [7, 7, 3]);
      for (const v of await valuesOf(r2)) assert.ok(Math.abs(v - 0.4) < 1e-6);
      tf.dispose([t, flat]);
    });
  });

  describe('toPng', () => {
    it('writes float [0, 1] and int32 0..255 tensors with 1-4 channels, checked by an independent decoder', async () => {
      const [h, w] = [3, 5];
      for (const channels of [1, 2, 3, 4]) {
        const bytes = lcgBytes(h * w * channels, 20 + channels);
        const float = tf.tensor3d(bytes.map(v => v / 255), [h, w, channels]);
        const int = tf.tensor3d(bytes, [h, w, channels], 'int32');
        for (const t of [float, int]) {
          const decoded = decodePng(await images.toPng(t));
          assert.equal(decoded.width, w); assert.equal(decoded.height, h); assert.equal(decoded.channels, channels);
          assert.deepEqual(Array.from(decoded.pixels), bytes, `${channels} channels, ${t.dtype}`);
        }
        float.dispose(); int.dispose();
      }
    });

    it('clamps out-of-range values, takes [h, w] as grey, and round-trips through load', async () => {
      const t = tf.tensor2d([[-0.5, 0, 0.5], [1, 1.5, 0.2]]);
      const png = await images.toPng(t);
      assert.deepEqual(Array.from(decodePng(png).pixels), [0, 0, 128, 255, 255, 51]);
      const back = await images.load(png);
      assert.deepEqual(back.shape, [2, 3, 1]);
      assertExact(await valuesOf(back), [0, 0, 128, 255, 255, 51], 255, 'round trip');
      t.dispose();
    });

    it('rejects wrong ranks and channel counts', async () => {
      const t1 = tf.zeros([4]);
      const t5 = tf.zeros([2, 2, 5]);
      await assert.rejects(images.toPng(t1 as never), /images\.toPng: image must be \[height, width, channels\] or \[height, width\]; got shape \[4\]/);
      await assert.rejects(images.toPng(t5 as never), /images\.toPng: image must have 1, 2, 3 or 4 channels; got shape \[2,2,5\]/);
      t1.dispose(); t5.dispose();
    });
  });
});
