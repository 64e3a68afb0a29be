// The patches renderer's pure modules (no DOM): payload validation (saved notebooks can be edited by hand) and
// the overlay box that shows where a patch sits in its source image.
import * as assert from 'node:assert/strict';
import { describeLayer, describePatch, overlayBox, strongest } from '../../renderers/patches/layout';
import { parsePatchesPayload } from '../../renderers/patches/payload';

const PNG = 'iVBORw0KGgo=';

function payload(): Record<string, unknown> {
  return {
    version: 1, imageCount: 12, k: 2, onePerImage: true, title: 'tiny',
    layers: [{
      name: 'conv1', receptiveField: { size: [3, 3], stride: [1, 1], offset: [-1, -1] }, featureShape: [8, 8, 4],
      units: [{ unit: 2, patches: [
        { value: 3.5, image: 4, position: [0, 5], box: [-1, 4, 3, 3], clipped: true, thumbnail: PNG },
        { value: 1.25, image: 7, position: [3, 3], box: [2, 2, 3, 3], clipped: false, thumbnail: PNG },
      ] }],
    }],
    images: { 4: { height: 8, width: 8, thumbnail: PNG } },
  };
}

describe('patches renderer: payload', () => {
  it('accepts a well-formed payload and keeps every field', () => {
    const p = parsePatchesPayload(payload());
    assert.equal(p.title, 'tiny');
    assert.deepEqual(p.layers[0].units[0].patches[0].box, [-1, 4, 3, 3]);
    assert.deepEqual(Object.keys(p.images!), ['4']);
  });

  const broken: Array<[string, (p: any) => void, RegExp]> = [
    ['wrong version', p => { p.version = 2; }, /version must be 1, got 2/],
    ['no layers', p => { p.layers = []; }, /layers must be a non-empty array/],
    ['duplicate layers', p => { p.layers.push(p.layers[0]); }, /layers must have distinct names/],
    ['bad field', p => { p.layers[0].receptiveField.size = [3]; }, /layers\[0\]\.receptiveField must be/],
    ['NaN value', p => { p.layers[0].units[0].patches[1].value = null; }, /layers\[0\]\.units\[0\]\.patches\[1\]\.value must be a finite number, got null/],
    ['markup as thumbnail', p => { p.layers[0].units[0].patches[0].thumbnail = '"><script>alert(1)</script>'; }, /patches\[0\]\.thumbnail must be base64 PNG data/],
    ['markup in an image key', p => { p.images = { '<b>': { height: 1, width: 1, thumbnail: PNG } }; }, /images\["<b>"\]: keys must be image indices/],
    ['negative box', p => { p.layers[0].units[0].patches[0].box = [0, 0, -3, 3]; }, /box must be \[top, left, height, width\]/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`refuses a payload with ${what}, naming the field`, () => {
      const p = payload();
      breakIt(p);
      assert.throws(() => parsePatchesPayload(p), (e: Error) => /^Not a patches output: /.test(e.message) && message.test(e.message));
    });
  }
  it('refuses what is not an object', () => assert.throws(() => parsePatchesPayload('x'), /expected an object, got the string "x"/));
});

describe('patches renderer: layout', () => {
  it('puts the field on the source image in percent, clipped to the image', () => {
    assert.deepEqual(overlayBox([2, 2, 3, 3], 8, 8), { top: 25, left: 25, height: 37.5, width: 37.5 });
    // Reaches past the top and right: only rows 0..1 and columns 6..7 are inside.
    assert.deepEqual(overlayBox([-1, 6, 3, 3], 8, 8), { top: 0, left: 75, height: 25, width: 25 });
    // A deep layer's field larger than the image covers all of it.
    assert.deepEqual(overlayBox([-100, -100, 300, 300], 64, 32), { top: 0, left: 0, height: 100, width: 100 });
    assert.equal(overlayBox([9, 0, 3, 3], 8, 8), undefined);
  });

  it('describes patches and layers in words', () => {
    const p = parsePatchesPayload(payload());
    assert.equal(describePatch(p.layers[0].units[0].patches[0]),
      'activation 3.5 · image #4 · unit at (0, 5) · field rows -1..1, columns 4..6 · clipped at the image border');
    assert.equal(describeLayer(p.layers[0]), 'receptive field 3 x 3 px, stride 1, feature map 8 x 8 x 4');
    assert.equal(strongest(p.layers[0].units[0].patches), 3.5);
    assert.equal(strongest([]), undefined);
  });
});
