// The style-progress renderer's pure modules (no DOM): payload validation (saved notebooks can be edited by
// hand, and JSON turns NaN into null), the series a payload holds (per-layer style keys may appear mid-run),
// what a log axis does with zero, negative and non-finite losses, decade ticks and the pixel mapping,
// thinning, and the lookups by iteration that the hover and the scrubber use. One test sends a payload
// made by the library's StyleProgressReporter through JSON and the renderer's parser.
import * as assert from 'node:assert/strict';
import type { Tensor3D } from '@tensorflow/tfjs';
import {
  decadeTicks, extractSeries, formatDecade, iterationAtX, iterationX, linearTicks, logDomain, logY, minorTicks,
  nearestIndex, seriesLabel, seriesNames, seriesPaths, skippedNotes, thinIndices, type ChartLayout,
} from '../../renderers/styleProgress/curves';
import { parseStyleProgressPayload } from '../../renderers/styleProgress/payload';
import { formatSeconds, speedText } from '../../renderers/styleProgress/summary';
import { StyleProgressReporter } from '../../src/lib/style/progress';
import type { StyleLossPoint } from '../../src/protocol/styleProgress';
import { ready, tf } from '../../src/lib/tf';
import { checkNoTensorLeaks } from './libraryTestKit';

const PNG = 'iVBORw0KGgo=';
const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);

function payload(): any {
  const image = () => ({ png: PNG, width: 4, height: 3 });
  return {
    version: 1, status: 'done', iteration: 2, iterations: 2, speed: 3.5,
    settings: { network: 'VGG-19', α: 10, 'style layers': 'conv1_1·0.5 conv2_1·0.5' },
    content: image(), style: image(), current: image(),
    losses: [
      { iteration: 0, total: 100, content: 0, style: 10, styleLayers: { conv1_1: 4, conv2_1: 6 }, tv: 1, elapsed: 0.1 },
      { iteration: 1, total: 50, content: 2, style: 5, styleLayers: { conv1_1: 2, conv2_1: 3 }, tv: 1, elapsed: 0.4 },
      { iteration: 2, total: 20, content: 3, style: 2, styleLayers: { conv1_1: 1, conv2_1: 1 }, tv: 0.5, elapsed: 0.6 },
    ],
    frames: [{ iteration: 0, image: image() }, { iteration: 2, image: image() }],
  };
}

const point = (iteration: number, values: Partial<StyleLossPoint>): StyleLossPoint => ({ iteration, total: 1, elapsed: iteration, ...values });

describe('style-progress renderer: payload', () => {
  it('accepts a well-formed payload and keeps every field', () => {
    const p = parseStyleProgressPayload(payload());
    assert.equal(p.status, 'done');
    assert.deepEqual(p.settings, payload().settings);
    assert.deepEqual(p.losses[1].styleLayers, { conv1_1: 2, conv2_1: 3 });
    assert.deepEqual(p.frames.map(f => f.iteration), [0, 2]);
    assert.equal(p.speed, 3.5);
  });

  it('reads the non-finite numbers JSON carries as null (or as strings) back as NaN and ±Infinity', () => {
    const raw = payload();
    raw.losses[1].total = null;
    raw.losses[1].styleLayers.conv1_1 = 'Infinity';
    raw.losses[2].tv = '-Infinity';
    raw.speed = null;
    const p = parseStyleProgressPayload(JSON.parse(JSON.stringify(raw)));
    assert.ok(Number.isNaN(p.losses[1].total));
    assert.equal(p.losses[1].styleLayers!.conv1_1, Infinity);
    assert.equal(p.losses[2].tv, -Infinity);
    assert.equal(p.speed, undefined);
  });

  it('accepts the empty image the library sends before the first picture', () => {
    const raw = payload();
    raw.current = { png: '', width: 0, height: 0 };
    assert.equal(parseStyleProgressPayload(raw).current.png, '');
  });

  const broken: Array<[string, (p: any) => void, RegExp]> = [
    ['wrong version', p => { p.version = 2; }, /version must be 1, got 2/],
    ['an unknown status', p => { p.status = 'finished'; }, /status must be one of running, done, interrupted, error, got the string "finished"/],
    ['a negative iteration', p => { p.iteration = -1; }, /iteration must be a whole number >= 0, got -1/],
    ['no losses', p => { delete p.losses; }, /losses must be an array, got nothing/],
    ['a loss that is text', p => { p.losses[2].total = 'abc'; }, /losses\[2\]\.total must be a number, got the string "abc"/],
    ['a bad layer loss', p => { p.losses[1].styleLayers.conv2_1 = {}; }, /losses\[1\]\.styleLayers\["conv2_1"\] must be a number, got object/],
    ['losses out of order', p => { p.losses[2].iteration = 0; }, /losses\[2\]\.iteration \(0\) must not be smaller than losses\[1\]\.iteration \(1\)/],
    ['frames out of order', p => { p.frames.reverse(); }, /frames\[1\]\.iteration \(0\) must not be smaller/],
    ['markup as a frame', p => { p.frames[1].image.png = '"><script>alert(1)</script>'; }, /frames\[1\]\.image\.png must be base64 PNG data/],
    ['a data: URL as the png', p => { p.current.png = 'data:image/png;base64,' + PNG; }, /current\.png must be base64 PNG data \(no data: prefix\)/],
    ['no current image', p => { delete p.current; }, /current must be an image object \{ png, width, height \}, got nothing/],
    ['a fractional width', p => { p.style.width = 2.5; }, /style\.width must be a whole number >= 0, got 2\.5/],
    ['a setting that is an object', p => { p.settings.size = [1, 2]; }, /settings\["size"\] must be a string or a number, got an array/],
    ['a negative speed', p => { p.speed = -1; }, /speed must be a finite number >= 0, got -1/],
    ['a message that is not text', p => { p.message = 42; }, /message must be a string, got 42/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`refuses a payload with ${what}, naming the field`, () => {
      const p = payload();
      breakIt(p);
      assert.throws(() => parseStyleProgressPayload(p),
        (e: Error) => /^Not a style-progress output: /.test(e.message) && message.test(e.message) || assert.fail(e.message));
    });
  }
  it('refuses what is not an object', () => assert.throws(() => parseStyleProgressPayload([]), /expected an object, got an array/));
});

describe('style-progress renderer: a payload from the library', function () {
  checkNoTensorLeaks();
  before(async () => {
    process.env.CONVNET_BACKEND = 'cpu';
    await ready();
  });

  it('passes the parser after a trip through JSON, NaN losses included', async () => {
    const sent: unknown[] = [];
    const display = Object.assign((value: unknown) => { sent.push(value); }, { update: (_id: string, value: unknown) => { sent.push(value); } });
    let clock = 0;
    const reporter = new StyleProgressReporter(display, { iterations: 4, settings: { network: 'tiny', β: 40 } }, { maxFrames: 2 }, () => clock);
    const image = tf.fill([6, 8, 3], 0.25) as Tensor3D;
    for (let i = 0; i <= 4; i++) {
      clock = 1000 * i;
      await reporter.record({ iteration: i, total: i === 3 ? NaN : 10 - i, content: i, style: 5, styleLayers: { c1: 1 }, elapsed: i }, () => image);
    }
    await reporter.finish('done', image);
    image.dispose();
    assert.equal(sent.length, reporter.sent);
    // What the kernel writes into the notebook: the payload as JSON.
    const p = parseStyleProgressPayload(JSON.parse(JSON.stringify((sent[sent.length - 1] as { payload: unknown }).payload)));
    assert.equal(p.status, 'done');
    assert.deepEqual(p.losses.map(l => l.iteration), [0, 1, 2, 3, 4]);
    assert.ok(Number.isNaN(p.losses[3].total), 'NaN came back as NaN');
    assert.deepEqual([p.current.width, p.current.height], [8, 6]);
    assert.deepEqual(p.frames.map(f => f.iteration), [0, 2]);
    // Iteration 0 starts from the content image: content loss 0, which the log axis leaves out and says so.
    const content = extractSeries(p.losses, 'content');
    assert.equal(content.nonPositive, 1);
    assert.deepEqual(skippedNotes([content]), ['content: 1 value ≤ 0 not drawn (log scale)']);
  });
});

describe('style-progress renderer: series', () => {
  it('lists the main series present, then each style layer in order of first appearance (also mid-run)', () => {
    const losses = [
      point(0, { content: 1, style: 2 }),
      point(1, { content: 1, style: 2, styleLayers: { conv2_1: 1 } }),
      point(2, { content: 1, style: 2, tv: 3, styleLayers: { conv2_1: 1, conv1_1: 1 } }),
    ];
    assert.deepEqual(seriesNames(losses), ['total', 'content', 'style', 'tv', 'style:conv2_1', 'style:conv1_1']);
    assert.deepEqual(seriesNames([point(0, {})]), ['total']);
    assert.deepEqual(seriesNames([]), []);
    assert.equal(seriesLabel('style:conv1_1'), 'style conv1_1');
    assert.equal(seriesLabel('tv'), 'TV');
  });

  it('starts a layer curve where the layer first appears, without counting the points before as skipped', () => {
    const losses = [0, 1, 2, 3, 4].map(i => point(i, i >= 2 ? { styleLayers: { conv3_1: 10 - i } } : {}));
    const s = extractSeries(losses, 'style:conv3_1');
    assert.deepEqual(s.segments, [[{ iteration: 2, value: 8 }, { iteration: 3, value: 7 }, { iteration: 4, value: 6 }]]);
    assert.equal(s.count, 3);
    assert.equal(s.nonPositive + s.nonFinite, 0);
    assert.deepEqual(skippedNotes([s]), []);
  });

  it('skips zero, negative and non-finite values on the log axis, breaks the line there and says so', () => {
    const values = [0, 5, -2, 4, NaN, 3, Infinity, 2, 1];
    const losses = values.map((v, i) => point(i, { content: v }));
    const s = extractSeries(losses, 'content');
    assert.deepEqual(s.segments.map(run => run.map(p => p.iteration)), [[1], [3], [5], [7, 8]]);
    assert.equal(s.count, 5);
    assert.equal(s.nonPositive, 2);
    assert.equal(s.nonFinite, 2);
    assert.deepEqual(skippedNotes([s, extractSeries(losses, 'total')]),
      ['content: 2 values ≤ 0 and 2 non-finite values not drawn (log scale)']);
  });
});

describe('style-progress renderer: log axis', () => {
  const layout: ChartLayout = { width: 600, height: 260, left: 54, right: 14, top: 12, bottom: 30 };

  it('spans whole decades around the positive finite values only', () => {
    assert.deepEqual(logDomain([3, 2500]), { lo: 0, hi: 4 });
    assert.deepEqual(logDomain([0.001, 1000]), { lo: -3, hi: 3 });
    assert.deepEqual(logDomain([1e-5, 1e-5]), { lo: -5, hi: -4 }, 'one value still gets a decade');
    assert.deepEqual(logDomain([1e-7, 3e-7, 0.5e-6]), { lo: -7, hi: -6 });
    assert.deepEqual(logDomain([0, -4, NaN, Infinity, 20, 0.2]), { lo: -1, hi: 2 });
    assert.equal(logDomain([0, -1, NaN]), undefined);
    assert.equal(logDomain([]), undefined);
  });

  it('labels every decade, or evenly spaced ones when there are many', () => {
    assert.deepEqual(decadeTicks({ lo: 0, hi: 4 }), [0, 1, 2, 3, 4]);
    for (const domain of [{ lo: -10, hi: 10 }, { lo: 3, hi: 40 }, { lo: -1, hi: 5 }]) {
      const ticks = decadeTicks(domain, 7);
      assert.ok(ticks.length <= 7 && ticks.length >= 2, `${ticks.length} ticks for ${JSON.stringify(domain)}`);
      assert.equal(ticks[0], domain.lo);
      const steps = new Set(ticks.slice(1).map((t, i) => t - ticks[i]));
      assert.equal(steps.size, 1, 'evenly spaced');
      assert.ok(ticks.every(t => Number.isInteger(t) && t <= domain.hi));
    }
    assert.deepEqual(minorTicks({ lo: 0, hi: 1 }), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(minorTicks({ lo: 0, hi: 9 }), [], 'no minor grid over many decades');
  });

  it('writes decade labels plainly from 0.01 to 10000, else as powers of ten', () => {
    assert.deepEqual([-2, -1, 0, 1, 4].map(formatDecade), ['0.01', '0.1', '1', '10', '10000']);
    assert.equal(formatDecade(-5), '10⁻⁵');
    assert.equal(formatDecade(12), '10¹²');
  });

  it('maps values to pixels by their logarithm, clamped to the plot', () => {
    const domain = { lo: -2, hi: 4 };
    const bottom = layout.height - layout.bottom, top = layout.top;
    close(logY(0.01, domain, layout), bottom, 1e-9, '10^lo at the bottom');
    close(logY(1e4, domain, layout), top, 1e-9, '10^hi at the top');
    close(logY(10, domain, layout), (bottom + top) / 2, 1e-9, 'the geometric middle halfway');
    // 3 is log10(3) = 0.4771 of a decade above 1: independent computation in plain float64.
    const expected = bottom - ((Math.log(3) / Math.LN10 + 2) / 6) * (bottom - top);
    close(logY(3, domain, layout), expected, 1e-9, '3');
    assert.equal(logY(1e-9, domain, layout), bottom);
    assert.equal(logY(1e9, domain, layout), top);
  });

  it('maps iterations to x and back', () => {
    close(iterationX(0, 500, layout), layout.left, 1e-9, 'x of 0');
    close(iterationX(500, 500, layout), layout.width - layout.right, 1e-9, 'x of the last');
    for (const it of [0, 1, 137, 499, 500]) close(iterationAtX(iterationX(it, 500, layout), 500, layout), it, 1e-9, `iteration ${it}`);
    assert.equal(iterationAtX(-50, 500, layout), 0);
    assert.equal(iterationAtX(5000, 500, layout), 500);
  });

  it('puts round, whole-iteration ticks on the x axis', () => {
    assert.deepEqual(linearTicks(500), [0, 100, 200, 300, 400, 500]);
    assert.deepEqual(linearTicks(7), [0, 2, 4, 6]);
    assert.deepEqual(linearTicks(1), [0, 1]);
    assert.deepEqual(linearTicks(0), [0]);
    assert.deepEqual(linearTicks(3000), [0, 1000, 2000, 3000]);
  });
});

describe('style-progress renderer: thinning and lookups', () => {
  const layout: ChartLayout = { width: 600, height: 260, left: 54, right: 14, top: 12, bottom: 30 };

  it('thins evenly, keeping the first and the last', () => {
    assert.deepEqual(thinIndices(10, 4), [0, 3, 6, 9]);
    assert.deepEqual(thinIndices(3, 10), [0, 1, 2]);
    assert.deepEqual(thinIndices(5, 1), [4]);
    assert.deepEqual(thinIndices(0, 1), []);
    const many = thinIndices(10_001, 1064);
    assert.equal(many.length, 1064);
    assert.equal(many[0], 0);
    assert.equal(many[many.length - 1], 10_000);
    assert.ok(many.every((v, i) => i === 0 || v > many[i - 1]), 'strictly increasing');
  });

  it('draws each segment as a thinned polyline ending on the true last point', () => {
    const losses = Array.from({ length: 5000 }, (_, i) => point(i, { total: 1000 / (i + 1) }));
    losses[2500].total = 0; // breaks the curve in two
    const s = extractSeries(losses, 'total');
    const domain = logDomain(s.segments.flat().map(p => p.value))!;
    const paths = seriesPaths(s, domain, 4999, layout, 200);
    assert.equal(paths.length, 2);
    assert.ok(paths.every(path => path.length === 200));
    const [x0, y0] = paths[0][0];
    close(x0, layout.left, 1e-9, 'first x');
    close(y0, layout.top, 1e-9, 'the largest value (1000) at the top of the 0..3 decades');
    const [xn, yn] = paths[1][paths[1].length - 1];
    close(xn, layout.width - layout.right, 1e-9, 'last x');
    const expectedY = layout.height - layout.bottom - ((Math.log(1000 / 5000) / Math.LN10 - domain.lo) / (domain.hi - domain.lo))
      * (layout.height - layout.top - layout.bottom);
    close(yn, expectedY, 1e-9, 'last y');
  });

  it('finds the nearest item by iteration (the earlier on a tie), as a brute-force search does', () => {
    const frames = [0, 25, 50, 75, 99].map(iteration => ({ iteration }));
    assert.equal(nearestIndex(frames, 30), 1);
    assert.equal(nearestIndex(frames, 38), 2);
    assert.equal(nearestIndex(frames, 37.5), 1, 'tie');
    assert.equal(nearestIndex(frames, -4), 0);
    assert.equal(nearestIndex(frames, 1000), 4);
    assert.equal(nearestIndex([], 3), -1);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 200; trial++) {
      const items = Array.from({ length: 1 + Math.floor(random() * 20) }, () => Math.floor(random() * 100))
        .sort((a, b) => a - b).map(iteration => ({ iteration }));
      const target = random() * 110 - 5;
      let best = 0;
      items.forEach((item, i) => { if (Math.abs(item.iteration - target) < Math.abs(items[best].iteration - target)) best = i; });
      assert.equal(items[nearestIndex(items, target)].iteration, items[best].iteration, `target ${target} in ${items.map(i => i.iteration)}`);
    }
  });
});

describe('style-progress renderer: header text', () => {
  it('gives speed, time elapsed and, while running, time left', () => {
    const p = parseStyleProgressPayload(payload());
    assert.equal(speedText(p), '3.5 it/s · 0.6 s elapsed');
    p.status = 'running';
    p.iterations = 9;
    assert.equal(speedText(p), '3.5 it/s · 0.6 s elapsed · about 2.0 s left');
    delete p.speed;
    assert.equal(speedText(p), '0.6 s elapsed');
    assert.deepEqual([4.24, 42.4, 59.7, 185].map(formatSeconds), ['4.2 s', '42 s', '1 min 0 s', '3 min 5 s']);
  });
});
