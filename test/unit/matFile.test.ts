// MAT-files (src/lib/style/featureNets/matFile.ts) and the course's VGG-19 in MatConvNet's format
// (matConvNet.ts, loadFeatureNet with a .mat path). The reader is checked on files SciPy wrote
// (test/fixtures/mat, made by make_fixtures.py), whose values are formulas recomputed here; the full-size
// VGG-19 file is written by the test (matWriterKit.ts: 80 MB is too large to commit).
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ready } from '../../src/lib/tf';
import { MatFileError, readMatFile, rowMajorFloat32, type MatNumeric, type MatValue } from '../../src/lib/style/featureNets/matFile';
import { vgg19FromMatConvNet } from '../../src/lib/style/featureNets/matConvNet';
import { loadFeatureNet } from '../../src/lib/style';
import { VGG19_KERNEL_SHAPES, VGG19_LAYERS } from '../../src/lib/style/featureNets/vgg19';
import { assertSameVgg19, seededVgg19Weights } from './vgg19TestKit';
import { writeMatFile, type MatIn } from './matWriterKit';
import { checkNoTensorLeaks } from './libraryTestKit';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'mat');
const read = (file: string) => readMatFile(fs.readFileSync(path.join(FIXTURES, file)), file);
const numeric = (v: MatValue | undefined): MatNumeric => { assert.equal(v?.kind, 'numeric'); return v as MatNumeric; };

describe('MAT-file reader (files written by SciPy)', () => {
  for (const file of ['types.mat', 'types-compressed.mat']) {
    it(`${file}: doubles, singles, integers, logicals, text, cells and structs read as written`, () => {
      const v = read(file);
      assert.deepEqual(Object.keys(v).sort(), ['a', 'cell', 'ints', 'mask', 'record', 'text', 'v']);
      // a = (row·3 + column)·1.5 − 2, 2x3, stored column-major
      const a = numeric(v.a);
      assert.deepEqual([a.class, a.dims], ['double', [2, 3]]);
      assert.deepEqual(Array.from(a.data as Float64Array), [0, 3, 1, 4, 2, 5].map(i => i * 1.5 - 2));
      // v[i, j, k] = 100i + 10j + k + 0.25, 2x3x4 single: row-major it is the formula in index order
      const single = numeric(v.v);
      assert.deepEqual([single.class, single.dims], ['single', [2, 3, 4]]);
      const want: number[] = [];
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want.push(100 * i + 10 * j + k + 0.25);
      assert.deepEqual(Array.from(rowMajorFloat32(single)), want);
      const ints = numeric(v.ints);
      assert.deepEqual([ints.class, ints.dims, Array.from(ints.data as Int16Array)], ['int16', [1, 4], [-3, 0, 7, 32767]]);
      const mask = numeric(v.mask);
      assert.deepEqual([mask.logical, Array.from(mask.data as Uint8Array)], [true, [1, 0, 1]]);
      assert.deepEqual(v.text, { kind: 'char', dims: [1, 10], text: 'hello, MAT' });
      assert.equal(v.cell.kind, 'cell');
      const cells = (v.cell as { cells: MatValue[] }).cells;
      assert.deepEqual(Array.from(numeric(cells[0]).data as Float64Array), [1, 2]);
      assert.deepEqual(cells[1], { kind: 'char', dims: [1, 2], text: 'ab' });
      assert.deepEqual([numeric(cells[2]).class, Array.from(numeric(cells[2]).data as Uint8Array)], ['uint8', [5]]);
      assert.equal(v.record.kind, 'struct');
      const record = v.record as { fields: string[]; elements: Array<Record<string, MatValue>> };
      assert.deepEqual(record.fields, ['name', 'size', 'empty']);
      assert.deepEqual(record.elements[0].name, { kind: 'char', dims: [1, 7], text: 'conv1_1' });
      assert.deepEqual(Array.from(numeric(record.elements[0].size).data as Float64Array), [3, 3, 2, 4]);
      assert.deepEqual(numeric(record.elements[0].empty).dims, [0, 0]);
    });
  }

  it("a MatConvNet SimpleNN network: layers{} of structs, 4-D kernels in MATLAB's column-major order", () => {
    const { layers } = read('simplenn-tiny.mat');
    assert.equal(layers.kind, 'cell');
    const structs = (layers as { cells: MatValue[] }).cells.map(c => (c as { elements: Array<Record<string, MatValue>> }).elements[0]);
    assert.deepEqual(structs.map(s => (s.name as { text: string }).text), ['conv1_1', 'relu1', 'conv1_2', 'relu2']);
    const [W, b] = (structs[2].weights as { cells: MatValue[] }).cells.map(numeric);
    assert.deepEqual(W.dims, [3, 3, 4, 4]);
    // W[h, w, c, k] = 1000h + 100w + 10c + k + 0.5 (conv1_2): row-major = kernel [kh, kw, in, out] as tensors take it
    const got = rowMajorFloat32(W), want: number[] = [];
    for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 4; c++) for (let k = 0; k < 4; k++) want.push(1000 * h + 100 * w + 10 * c + k + 0.5);
    assert.deepEqual(Array.from(got), want);
    assert.deepEqual(Array.from(b.data as Float32Array), [0.125, 1.125, 2.125, 3.125]);
  });

  it('refuses what it cannot read with a message that says why', () => {
    const types = fs.readFileSync(path.join(FIXTURES, 'types.mat'));
    const compressed = fs.readFileSync(path.join(FIXTURES, 'types-compressed.mat'));
    const v73 = Buffer.from(types);
    v73.write('MATLAB 7.3 MAT-file, Platform: GLNXA64', 0, 'latin1');
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(50), /x\.mat is not a MAT-file \(50 bytes/],
      [Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n'), Buffer.alloc(200)]), /x\.mat is not a MATLAB 5 MAT-file/],
      [v73, /v7\.3 \(HDF5\) MAT-file; save it with -v7/],
      [types.subarray(0, types.length - 40), /x\.mat is truncated: an element of \d+ bytes at byte \d+ runs past the end/],
      [compressed.subarray(0, 300), /x\.mat is truncated|does not inflate/],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(() => readMatFile(bytes, 'x.mat'), (e: Error) => e instanceof MatFileError && message.test(e.message), String(message));
    }
  });
});

describe("VGG-19 from the course's MatConvNet file (imagenet-vgg-verydeep-19.mat)", function () {
  this.timeout(120000);
  before(() => ready());
  checkNoTensorLeaks();

  it('a file that is not VGG-19 gets errors naming the layer and the shapes', async () => {
    const tiny = read('simplenn-tiny.mat');
    assert.throws(() => vgg19FromMatConvNet(tiny, 'tiny.mat'),
      (e: Error) => /tiny\.mat: layer conv1_1 has kernel \[3,3,3,4\] and bias \[4,1\]; VGG-19's are \[3,3,3,64\] and \[64\]/.test(e.message));
    assert.throws(() => vgg19FromMatConvNet({ net: tiny.layers }, 'other.mat'), (e: Error) => /other\.mat has no cell array 'layers' \(variables: net\)/.test(e.message));
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: path.join(FIXTURES, 'simplenn-tiny.mat') }), /layer conv1_1 has kernel \[3,3,3,4\]/);
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: '/nowhere/imagenet-vgg-verydeep-19.mat' }), /no file at \/nowhere\/imagenet-vgg-verydeep-19\.mat/);
  });

  it("loads a full-size file: the network equals VGG-19 built from the same weights in memory, RGB order", async () => {
    const inMemory = seededVgg19Weights(7);
    const layers: MatIn[] = [];
    for (const name of VGG19_LAYERS) {
      const [kh, kw, cin, cout] = VGG19_KERNEL_SHAPES[name];
      const { kernel, bias } = inMemory[name];
      // MATLAB's column-major order from the row-major [kh, kw, in, out] values, written out here index by index
      const colMajor = new Float32Array(kernel.length);
      for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let c = 0; c < cin; c++) for (let k = 0; k < cout; k++) {
        colMajor[h + kh * (w + kw * (c + cin * k))] = kernel[((h * kw + w) * cin + c) * cout + k];
      }
      layers.push({ struct: { name: { text: name }, type: { text: 'conv' }, weights: { cell: [{ dims: [kh, kw, cin, cout], single: colMajor }, { dims: [cout, 1], single: bias }] } } });
      layers.push({ struct: { name: { text: name.replace('conv', 'relu') }, type: { text: 'relu' } } });
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-mat-')), 'imagenet-vgg-verydeep-19.mat');
    fs.writeFileSync(file, writeMatFile({ layers: { cell: layers }, meta: { struct: { description: { text: 'test network' } } } }));
    const fromFile = await loadFeatureNet({ name: 'vgg19', weights: file });
    try {
      await assertSameVgg19(fromFile, inMemory, 'rgb', '.mat', 3);
    } finally {
      fromFile.dispose();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
