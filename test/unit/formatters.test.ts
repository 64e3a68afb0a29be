import * as assert from 'node:assert/strict';
import { DISPLAY_SYMBOL_KEY, TENSOR_MIME } from '../../src/protocol/mime';
import { formatValue, isTensorLike, MAX_IMAGE_SIDE, type TensorPayload } from '../../src/kernel/formatters';
import { decodePng } from './pngDecode';

// The tests use real tfjs tensors; the formatter itself only duck-types them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tf: typeof import('@tensorflow/tfjs') = require('@tensorflow/tfjs');

type Tensor = import('@tensorflow/tfjs').Tensor;

const DISPLAY = Symbol.for(DISPLAY_SYMBOL_KEY);

/** Formats `tensor` and disposes it, returning the bundle and its tensor payload. */
async function formatTensor(tensor: Tensor): Promise<{ bundle: Record<string, unknown>; payload: TensorPayload }> {
  try {
    const bundle = await formatValue(tensor);
    return { bundle, payload: bundle[TENSOR_MIME] as TensorPayload };
  } finally {
    tensor.dispose();
  }
}

/** Deterministic values in [lo, hi). */
function randomValues(count: number, seed: number, lo: number, hi: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + (state / 2 ** 32) * (hi - lo);
  });
}

function assertClose(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

describe('formatValue', function () {
  this.timeout(30_000);
  let tensorsBefore = 0;
  let previousBackend = '';

  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
    await tf.ready();
  });
  // The tests after this file (in one mocha run) expect the backend the library chose, not cpu.
  after(async () => { if (previousBackend) await tf.setBackend(previousBackend); });
  beforeEach(() => { tensorsBefore = tf.memory().numTensors; });
  afterEach(() => { assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked'); });

  describe('tensors', () => {
    it('sends shape, dtype, size and row-major values', async () => {
      const { bundle, payload } = await formatTensor(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
      assert.deepEqual(payload.shape, [2, 3]);
      assert.equal(payload.dtype, 'float32');
      assert.equal(payload.size, 6);
      assert.deepEqual(payload.values, [1, 2, 3, 4, 5, 6]);
      assert.equal(payload.truncated, false);
      assert.equal(bundle['text/plain'], 'Tensor float32 [2,3]\n[[1, 2, 3],\n [4, 5, 6]]');
      // The payload survives the JSON round trip of IPC and saved notebooks unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(payload)), payload);
    });

    it('computes stats in float64 that match an independent computation', async () => {
      const values = randomValues(2000, 42, -3, 7);
      const tensor = tf.tensor2d(values, [50, 40]);
      const exact = Array.from(await tensor.data()); // the float32 values, as float64
      const { payload } = await formatTensor(tensor);
      const n = exact.length;
      const sorted = [...exact].sort((a, b) => a - b);
      const mean = exact.reduce((s, v) => s + v, 0) / n;
      // E[x^2] - E[x]^2: a different formula from the formatter's two-pass one.
      const variance = exact.reduce((s, v) => s + v * v, 0) / n - mean * mean;
      const stats = payload.stats!;
      assert.equal(stats.min, sorted[0]);
      assert.equal(stats.max, sorted[n - 1]);
      assertClose(stats.mean, mean, 1e-12, 'mean');
      assertClose(stats.std, Math.sqrt(variance), 1e-9, 'std');
      assert.equal(stats.nan, 0);
      assert.equal(stats.inf, 0);
      // And against tfjs's own float32 moments, loosely.
      const moments = tf.tidy(() => {
        const { mean: m, variance: v } = tf.moments(tf.tensor1d(exact));
        return [m.dataSync()[0], Math.sqrt(v.dataSync()[0])];
      });
      assertClose(stats.mean, moments[0], 1e-4, 'mean vs tf.moments');
      assertClose(stats.std, moments[1], 1e-4, 'std vs tf.moments');
    });

    it('counts NaN and Infinity and leaves them out of the other stats', async () => {
      const { bundle, payload } = await formatTensor(tf.tensor1d([1, NaN, Infinity, -Infinity, 3]));
      assert.deepEqual(payload.stats, { min: 1, max: 3, mean: 2, std: 1, nan: 1, inf: 2 });
      assert.deepEqual(payload.values, [1, 'NaN', 'Infinity', '-Infinity', 3]);
      assert.match(bundle['text/plain'] as string, /\[1, NaN, Infinity, -Infinity, 3\]/);
    });

    it('gives null stats when no value is finite', async () => {
      const { payload } = await formatTensor(tf.tensor1d([NaN, NaN]));
      assert.deepEqual(payload.stats, { min: null, max: null, mean: null, std: null, nan: 2, inf: 0 });
    });

    it('writes float32 values with the fewest digits that read back the same', async () => {
      const source = [0.1, 1 / 3, -2.5e-7, 123456.789, 16777217];
      const tensor = tf.tensor1d(source);
      const float32 = Array.from(await tensor.data());
      const { payload } = await formatTensor(tensor);
      const values = payload.values as number[];
      assert.equal(values[0], 0.1);
      values.forEach((v, i) => assert.equal(Math.fround(v), float32[i], `value ${i}`));
    });

    it('formats int32, bool and scalars', async () => {
      const int = await formatTensor(tf.tensor1d([-2, 0, 7], 'int32'));
      assert.deepEqual(int.payload.values, [-2, 0, 7]);
      assert.equal(int.bundle['text/plain'], 'Tensor int32 [3]\n[-2, 0, 7]');
      const bool = await formatTensor(tf.tensor1d([true, false], 'bool'));
      assert.deepEqual(bool.payload.values, [1, 0]);
      assert.equal(bool.bundle['text/plain'], 'Tensor bool [2]\n[true, false]');
      const scalar = await formatTensor(tf.scalar(2.5));
      assert.deepEqual(scalar.payload.shape, []);
      assert.deepEqual(scalar.payload.values, [2.5]);
      assert.equal(scalar.bundle['text/plain'], 'Tensor float32 []\n2.5');
    });

    it('formats complex64 tensors as text without values', async () => {
      const { bundle, payload } = await formatTensor(tf.complex([1, 2], [3, -4]));
      assert.equal(payload.dtype, 'complex64');
      assert.equal(payload.values, undefined);
      assert.equal(payload.stats, undefined);
      assert.equal(bundle['text/plain'], 'Tensor complex64 [2]\n[1+3j, 2-4j]');
    });

    it('elides the middle of long axes in text/plain', async () => {
      const { bundle } = await formatTensor(tf.tidy(() => tf.range(0, 100).reshape([10, 10])));
      const text = bundle['text/plain'] as string;
      assert.ok(text.startsWith('Tensor float32 [10,10]\n[[0, 1, 2, ..., 7, 8, 9],\n [10, 11, 12, ..., 17, 18, 19],'), text);
      assert.ok(text.includes(' ...,\n [70, 71, 72'), text);
      assert.ok(text.endsWith('[90, 91, 92, ..., 97, 98, 99]]'), text);
    });

    it('separates blocks of rank-3 tensors with a blank line', async () => {
      const { bundle } = await formatTensor(tf.tidy(() => tf.range(0, 8).reshape([2, 2, 2])));
      assert.equal(bundle['text/plain'], 'Tensor float32 [2,2,2]\n[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]');
    });

    it('leaves out values above 10,000 elements but keeps stats', async () => {
      const atLimit = await formatTensor(tf.zeros([10_000]));
      assert.equal(atLimit.payload.truncated, false);
      assert.equal(atLimit.payload.values?.length, 10_000);
      const big = await formatTensor(tf.range(0, 10_001));
      assert.equal(big.payload.truncated, true);
      assert.equal(big.payload.values, undefined);
      assert.equal(big.payload.stats?.max, 10_000);
      assert.equal(big.payload.stats?.mean, 5000);
      const text = big.bundle['text/plain'] as string;
      assert.ok(text.length < 200, text);
      assert.ok(text.includes('[0, 1, 2, ..., 9998, 9999, 10000]'), text);
    });

    it('says a disposed tensor is disposed', async () => {
      const tensor = tf.ones([2, 2]);
      tensor.dispose();
      assert.deepEqual(await formatValue(tensor), { 'text/plain': 'Tensor (disposed)' });
    });

    it('reads tensors without tfjs: any duck-typed tensor works', async () => {
      const fake = { shape: [2], dtype: 'float32', size: 2, isDisposed: false, data: async () => new Float32Array([1, 2]) };
      assert.ok(isTensorLike(fake));
      const bundle = await formatValue(fake);
      assert.deepEqual((bundle[TENSOR_MIME] as TensorPayload).values, [1, 2]);
    });
  });

  describe('tensor images', () => {
    const imageShapes: Array<[number[], number, number, number]> = [
      [[4, 5], 4, 5, 1], [[4, 5, 1], 4, 5, 1], [[4, 5, 3], 4, 5, 3], [[4, 5, 4], 4, 5, 4], [[1, 4, 5, 3], 4, 5, 3],
      [[1, 2, 2, 1], 2, 2, 1],
    ];
    for (const [shape, height, width, channels] of imageShapes) {
      it(`treats [${shape}] as a ${height}x${width} image with ${channels} channel(s)`, async () => {
        const { bundle, payload } = await formatTensor(tf.zeros(shape));
        assert.deepEqual(
          { width: payload.image?.width, height: payload.image?.height, channels: payload.image?.channels },
          { width, height, channels });
        assert.equal(bundle['image/png'], payload.image?.png);
        assert.equal(bundle['text/html'], undefined);
        const png = decodePng(Buffer.from(payload.image!.png, 'base64'));
        assert.deepEqual([png.width, png.height, png.channels], [width, height, channels]);
      });
    }

    for (const shape of [[3], [2, 3, 5], [2, 3, 2], [1, 5], [5, 1, 3], [2, 4, 5, 3], [1, 4, 5], [2, 2, 2, 2, 1]]) {
      it(`does not treat [${shape}] as an image`, async () => {
        const { bundle, payload } = await formatTensor(tf.zeros(shape));
        assert.equal(payload.image, undefined);
        assert.equal(bundle['image/png'], undefined);
        assert.equal(typeof bundle['text/html'], 'string');
      });
    }

    it('does not treat string tensors as images', async () => {
      const { payload } = await formatTensor(tf.tensor2d([['a', 'b'], ['c', 'd']]));
      assert.equal(payload.image, undefined);
    });

    const scales: Array<[string, number[], string]> = [
      ['[0, 1]', [0, 0.25, 0.5, 1], 'unit'],
      ['[0.2, 0.3]', [0.2, 0.3, 0.3, 0.2], 'unit'],
      ['[0, 1.0000103] (float rounding, as tf.linspace gives)', [0, 0.5, 0.9, 1.0000103], 'unit'],
      ['[-1e-6, 1]', [-1e-6, 0.5, 0.9, 1], 'unit'],
      ['[0, 1.01]', [0, 0.5, 0.9, 1.01], 'byte'],
      ['[0, 255]', [0, 2, 200, 255], 'byte'],
      ['[0, 255.1]', [0, 2, 200, 255.1], 'byte'],
      ['[0, 256]', [0, 2, 200, 256], 'minmax'],
      ['[-0.5, 200]', [-0.5, 2, 200, 255], 'minmax'],
      ['[0, 2] integers', [0, 1, 2, 1], 'byte'],
      ['[-1, 1]', [-1, 0, 0.5, 1], 'minmax'],
      ['[0, 300]', [0, 1, 2, 300], 'minmax'],
    ];
    for (const [range, values, scale] of scales) {
      it(`scales values in ${range} as '${scale}'`, async () => {
        const { payload } = await formatTensor(tf.tensor2d(values, [2, 2]));
        assert.equal(payload.image?.scale, scale);
      });
    }

    it('maps [0,1] values to bytes by v*255 rounded half up', async () => {
      // 0.5*255 = 127.5 -> 128; 0.25*255 = 63.75 -> 64
      const { bundle } = await formatTensor(tf.tensor3d([0, 0.5, 1, 0.25], [2, 2, 1]));
      const png = decodePng(Buffer.from(bundle['image/png'] as string, 'base64'));
      assert.equal(png.colorType, 0);
      assert.deepEqual([...png.pixels], [0, 128, 255, 64]);
    });

    it('clamps values that overshoot [0, 1] by float rounding', async () => {
      const { payload } = await formatTensor(tf.tensor2d([-1e-6, 0.5, 1, 1.0000103], [2, 2]));
      const png = decodePng(Buffer.from(payload.image!.png, 'base64'));
      assert.deepEqual([...png.pixels], [0, 128, 255, 255]);
    });

    it('keeps [0,255] values and orders RGB channels as the tensor does', async () => {
      const values = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10.4, 20.5, 30.6];
      const { bundle } = await formatTensor(tf.tensor3d(values, [2, 2, 3]));
      const png = decodePng(Buffer.from(bundle['image/png'] as string, 'base64'));
      assert.equal(png.colorType, 2);
      assert.deepEqual([...png.pixels], [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 21, 31]);
    });

    it('min-max normalises other ranges, NaN black and Infinity white', async () => {
      const { payload } = await formatTensor(tf.tensor4d([-2, 0, 2, NaN, Infinity, -1], [1, 2, 3, 1]));
      assert.equal(payload.image?.scale, 'minmax');
      const png = decodePng(Buffer.from(payload.image!.png, 'base64'));
      // (v - (-2)) / 4 * 255: -2 -> 0, 0 -> 127.5 -> 128, 2 -> 255, -1 -> 63.75 -> 64
      assert.deepEqual([...png.pixels], [0, 128, 255, 0, 255, 64]);
    });

    it('sends RGBA images with alpha', async () => {
      const { payload } = await formatTensor(tf.tensor3d([0, 0.2, 0.4, 1, 1, 1, 1, 0, 0, 0, 0, 0.5, 1, 0, 1, 1], [2, 2, 4]));
      const png = decodePng(Buffer.from(payload.image!.png, 'base64'));
      assert.equal(png.colorType, 6);
      assert.deepEqual([...png.pixels], [0, 51, 102, 255, 255, 255, 255, 0, 0, 0, 0, 128, 255, 0, 255, 255]);
    });

    it(`downsamples images to at most ${MAX_IMAGE_SIDE} px per side by nearest neighbour`, async () => {
      const [height, width] = [2 * MAX_IMAGE_SIDE, 8];
      // Each pixel holds its row index, so the chosen source rows can be read back.
      const rows = tf.tidy(() => tf.range(0, height).reshape([height, 1]).tile([1, width]).div(255).floor());
      const rowIndex = tf.tidy(() => tf.range(0, height).reshape([height, 1]).tile([1, width]).mod(256));
      const rowHigh = await formatTensor(rows);
      const rowLow = await formatTensor(rowIndex);
      const image = rowLow.payload.image!;
      assert.deepEqual([image.width, image.height], [4, MAX_IMAGE_SIDE]);
      assert.equal(image.scale, 'byte');
      assert.equal(rowLow.payload.truncated, true);
      const low = decodePng(Buffer.from(image.png, 'base64')).pixels;
      const high = decodePng(Buffer.from(rowHigh.payload.image!.png, 'base64')).pixels;
      assert.equal(rowHigh.payload.image!.scale, 'byte');
      for (let y = 0; y < MAX_IMAGE_SIDE; y++) {
        // Output row y samples the source row under its centre: floor((y + 0.5) * 2) = 2y + 1.
        const source = 2 * y + 1;
        assert.equal(low[y * 4], source % 256, `row ${y}`);
        assert.equal(high[y * 4], Math.floor(source / 255), `row ${y}`);
      }
    });
  });

  describe('text/html fallback', () => {
    it('summarises numeric tensors in an escaped table', async () => {
      const { bundle } = await formatTensor(tf.tensor1d([1, 2, 3, 4]));
      const html = bundle['text/html'] as string;
      assert.match(html, /^<table class="convnet-tensor-summary">/);
      assert.match(html, /<caption>Tensor float32 \[4\]<\/caption>/);
      assert.match(html, /<th>mean<\/th><td>2.5<\/td>/);
      assert.match(html, /<th>values<\/th><td>1, 2, 3, 4<\/td>/);
      assert.doesNotMatch(html, /NaN/);
    });

    it('escapes strings of string tensors', async () => {
      const evil = '<script>alert("x")</script>';
      const { bundle, payload } = await formatTensor(tf.tensor1d([evil, 'a&b', "<img src=x onerror='y'>"]));
      const html = bundle['text/html'] as string;
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /<img/i);
      assert.ok(html.includes('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;'), html);
      assert.ok(html.includes('a&amp;b'), html);
      assert.deepEqual(payload.values, [evil, 'a&b', "<img src=x onerror='y'>"]);
      assert.equal(payload.stats, undefined);
      assert.equal(bundle['text/plain'], `Tensor string [3]\n[${JSON.stringify(evil)}, "a&b", "<img src=x onerror='y'>"]`);
    });

    it('shows only the first values of large tensors', async () => {
      const { bundle } = await formatTensor(tf.range(0, 1000));
      assert.match(bundle['text/html'] as string, /<td>0, 1, 2, [\d, ]*19, …<\/td>/);
    });
  });

  describe('values that describe their own display', () => {
    it('uses the bundle a sync Symbol.for(\'convnet.display\') method returns', async () => {
      const value = { [DISPLAY]() { return { 'text/html': '<b>hi</b>', 'text/plain': 'hi' }; } };
      assert.deepEqual(await formatValue(value), { 'text/html': '<b>hi</b>', 'text/plain': 'hi' });
    });

    it('awaits an async display method and adds text/plain when missing', async () => {
      class Chart {
        points = [1, 2];
        async [DISPLAY]() { return { 'image/png': 'iVBOR' }; }
      }
      const bundle = await formatValue(new Chart());
      assert.equal(bundle['image/png'], 'iVBOR');
      assert.match(bundle['text/plain'] as string, /^Chart \{ points: \[ 1, 2 \] \}/);
    });

    it('calls the method with the value as this', async () => {
      const value = { label: 'x', [DISPLAY](this: { label: string }) { return { 'text/plain': this.label }; } };
      assert.deepEqual(await formatValue(value), { 'text/plain': 'x' });
    });

    it('prefers the display method over tensor formatting', async () => {
      const fake = {
        shape: [1], dtype: 'float32', size: 1, isDisposed: false, data: async () => new Float32Array([1]),
        [DISPLAY]: () => ({ 'text/plain': 'custom' }),
      };
      assert.deepEqual(await formatValue(fake), { 'text/plain': 'custom' });
    });

    it('rejects a display method that returns no bundle', async () => {
      await assert.rejects(formatValue({ [DISPLAY]: () => 'oops' }), /must return a MIME bundle object.*'oops'/);
    });
  });

  describe('other values', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a number', 42, '42'],
      ['a string, quoted', 'hello', "'hello'"],
      ['null', null, 'null'],
      ['undefined', undefined, 'undefined'],
      ['an object', { a: 1, b: [1, 2] }, '{ a: 1, b: [ 1, 2 ] }'],
      ['a Map', new Map([['k', 1]]), "Map(1) { 'k' => 1 }"],
    ];
    for (const [name, value, text] of cases) {
      it(`shows ${name} as util.inspect does`, async () => {
        assert.deepEqual(await formatValue(value), { 'text/plain': text });
      });
    }

    it('shows objects up to depth 4', async () => {
      const text = (await formatValue({ a: { b: { c: { d: { e: { f: 1 } } } } } }))['text/plain'] as string;
      assert.match(text, /d: \{ e: \[Object\] \}/);
      assert.doesNotMatch(text, /f:/);
    });

    it('shows at most 100 array items', async () => {
      const bundle = await formatValue(Array.from({ length: 150 }, (_, i) => i));
      assert.match(bundle['text/plain'] as string, /\.\.\. 50 more items/);
    });
  });

  describe('isTensorLike', () => {
    it('accepts tensors and variables, rejects look-alikes', () => {
      const tensor = tf.zeros([2]);
      const initial = tf.zeros([2]);
      const variable = tf.variable(initial);
      initial.dispose();
      try {
        assert.equal(isTensorLike(tensor), true);
        assert.equal(isTensorLike(variable), true);
      } finally {
        tensor.dispose();
        variable.dispose();
      }
      assert.equal(isTensorLike(tensor), true, 'a disposed tensor is still a tensor');
      for (const value of [null, undefined, 3, 'tensor', [1, 2], { shape: [2], dtype: 'float32' }, { shape: 'x', dtype: 'float32', size: 1, isDisposed: false, data() {} }]) {
        assert.equal(isTensorLike(value), false, String(value));
      }
    });
  });
});
