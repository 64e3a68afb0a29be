// FaceDatabase, verify and whoIsIt (src/lib/face/database.ts): hand-worked decisions with an encoder whose
// embedding is the image itself, JSON round trips, named errors, and (when ../shared/data/faces/orl is there)
// recognition on ORL faces with a fixed random-projection encoder, checked against float64 distances.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, ready } from '../../src/lib/tf';
import type { Tensor3D } from '@tensorflow/tfjs';
import { FaceArgumentError, FaceDatabase, UnknownIdentityError, verify, whoIsIt, type FaceEncoder } from '../../src/lib/face';
import * as images from '../../src/lib/images';
import { FlattenEncoder, ProjectionEncoder, batchOf, lcg } from './faceTestKit';
import { checkNoTensorLeaks, ORL, skipWithoutOrl } from './libraryTestKit';


/** A [1, 1, 3] "image" whose embedding under FlattenEncoder(3) is v. */
const img = (...v: number[]) => tf.tensor3d(v, [1, 1, v.length]);

describe('FaceDatabase, verify, whoIsIt', () => {
  let tmp = '';
  before(async () => { await ready(); tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facedb-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  checkNoTensorLeaks();

  /** alice: (0,0,0) and (1,1,1); bob: (3,0,0). */
  async function aliceAndBob(): Promise<FaceDatabase> {
    const db = new FaceDatabase(new FlattenEncoder(3));
    const [a1, a2, b1] = [img(0, 0, 0), img(1, 1, 1), img(3, 0, 0)];
    assert.equal(await db.add('alice', [a1, a2]), 2);
    assert.equal(await db.add('bob', b1), 1);
    tf.dispose([a1, a2, b1]);
    return db;
  }

  it('verify: distance to the nearest of the identity\'s images, match iff distance < threshold (0.7)', async () => {
    const db = await aliceAndBob();
    // Exact binary fractions: |x - (0,0,0)| = sqrt(0.375² + 0.5²) = 0.625 exactly; |x - (1,1,1)| = sqrt(0.390625 + 0.25 + 1).
    const x = img(0.375, 0.5, 0);
    assert.deepEqual(await verify(x, 'alice', db), { distance: 0.625, match: true });
    const bob = await verify(x, 'bob', db); // sqrt(2.625² + 0.5²) = sqrt(7.140625)
    assert.ok(Math.abs(bob.distance - Math.sqrt(7.140625)) < 1e-12); assert.equal(bob.match, false);
    const strict = await verify(x, 'alice', db, { threshold: 0.625 });
    assert.equal(strict.match, false, 'the course\'s verify opens the door only for dist < threshold');
    assert.equal((await verify(x, 'alice', db, { threshold: 0.6 })).match, false);
    assert.equal((await verify(x, 'bob', db, { threshold: 3 })).match, true);
    x.dispose();
  });

  it('whoIsIt: the nearest identity, or null when even it is farther than the threshold', async () => {
    const db = await aliceAndBob();
    const near = img(2.5, 0, 0); // bob 0.5; alice min(2.5, sqrt(1.5² + 1 + 1)) = 2.0616
    assert.deepEqual(await whoIsIt(near, db), { identity: 'bob', distance: 0.5, nearest: 'bob' });
    const far = img(10, 10, 10); // alice (1,1,1): sqrt(3 * 81)
    const r = await whoIsIt(far, db);
    assert.equal(r.identity, null, 'not in the database');
    assert.equal(r.nearest, 'alice');
    assert.ok(Math.abs(r.distance - Math.sqrt(243)) < 1e-5);
    const edge = img(0.5, 0, 0); // alice at exactly 0.5
    assert.equal((await whoIsIt(edge, db, { threshold: 0.5 })).identity, 'alice', 'who_is_it says "not in the database" only for dist > threshold');
    assert.equal((await whoIsIt(edge, db, { threshold: 0.4999 })).identity, null);
    tf.dispose([near, far, edge]);
  });

  it('adds more images to an identity, removes identities, and lists them in order', async () => {
    const db = await aliceAndBob();
    const batch = tf.tensor4d([5, 5, 5, 6, 6, 6], [2, 1, 1, 3]);
    assert.equal(await db.add('bob', batch), 3);
    assert.deepEqual(db.embeddings('bob').map(e => Array.from(e)), [[3, 0, 0], [5, 5, 5], [6, 6, 6]]);
    assert.equal(await db.addEmbeddings('carol', [[9, 9, 9]]), 1);
    assert.deepEqual(db.identities(), ['alice', 'bob', 'carol']);
    assert.equal(db.remove('alice'), true);
    assert.equal(db.remove('alice'), false);
    assert.deepEqual(db.identities(), ['bob', 'carol']);
    assert.equal(db.size, 2);
    batch.dispose();
  });

  it('round-trips through save / load bit for bit, and keeps answering the same', async () => {
    const db = new FaceDatabase(new FlattenEncoder(3));
    await db.addEmbeddings('x', [[0.1, -0.2, 1 / 3], [1e-8, 12345.678, -1.5e-7]]);
    const e = tf.tensor2d([[Math.PI, Math.E, Math.SQRT2]]);
    await db.addEmbeddings('y', e);
    e.dispose();
    const file = path.join(tmp, 'db.json');
    await db.save(file);
    const back = await FaceDatabase.load(file, new FlattenEncoder(3));
    assert.deepEqual(back.identities(), ['x', 'y']);
    for (const name of ['x', 'y']) assert.deepEqual(back.embeddings(name), db.embeddings(name));
    const probe = img(0.1, -0.2, 0.3);
    assert.deepEqual(await whoIsIt(probe, back), await whoIsIt(probe, db));
    probe.dispose();
  });

  it('gives named errors: unknown identity, empty database, wrong rank, bad files, a misbehaving encoder', async () => {
    const db = await aliceAndBob();
    const x = img(0, 0, 0);
    await assert.rejects(verify(x, 'carol', db), (e: Error) => e instanceof UnknownIdentityError && /verify: no identity 'carol' in the database \(it has: alice, bob\)/.test(e.message));
    const empty = new FaceDatabase(new FlattenEncoder(3));
    await assert.rejects(whoIsIt(x, empty), /whoIsIt: the database is empty/);
    await assert.rejects(verify(x, 'alice', empty), /verify: no identity 'alice' in the database \(it is empty\)/);
    const batch = tf.zeros([2, 1, 1, 3]);
    await assert.rejects(verify(batch as never, 'alice', db), (e: Error) => e instanceof FaceArgumentError && /verify: image must be one \[height, width, channels\] tensor; got shape \[2, 1, 1, 3\]/.test(e.message));
    await assert.rejects(whoIsIt(x, db, { threshold: -1 }), /whoIsIt: options.threshold must be a finite number >= 0; got -1/);
    await assert.rejects(db.add('', x), /FaceDatabase.add: identity must be a non-empty string/);
    await assert.rejects(db.add('dave', [] as Tensor3D[]), /FaceDatabase.add: images must be an \[h, w, c\] tensor, an \[n, h, w, c\] batch or a non-empty list/);
    await assert.rejects(db.addEmbeddings('dave', [[1, 2]]), /FaceDatabase.addEmbeddings: embedding 0 must have 3 numbers; got 2/);
    assert.throws(() => db.embeddings('zed'), UnknownIdentityError);

    const file = path.join(tmp, 'db3.json');
    await db.save(file);
    await assert.rejects(FaceDatabase.load(file, new FlattenEncoder(4)), /FaceDatabase.load: '.*db3.json' holds 3-d embeddings but the encoder makes 4-d ones/);
    fs.writeFileSync(path.join(tmp, 'other.json'), '{"hello": 1}');
    await assert.rejects(FaceDatabase.load(path.join(tmp, 'other.json'), new FlattenEncoder(3)), /is not a saved FaceDatabase/);
    fs.writeFileSync(path.join(tmp, 'broken.json'), '{"format": ');
    await assert.rejects(FaceDatabase.load(path.join(tmp, 'broken.json'), new FlattenEncoder(3)), /FaceDatabase.load: '.*broken.json' is not JSON/);
    await assert.rejects(FaceDatabase.load(path.join(tmp, 'missing.json'), new FlattenEncoder(3)), /FaceDatabase.load: cannot read/);

    // An encoder whose output disagrees with its dim: the error says so and the tensor is still disposed.
    const liar: FaceEncoder = { inputSize: 1, dim: 5, encode: async () => tf.zeros([1, 3]) as never, dispose() {} };
    await assert.rejects(new FaceDatabase(liar).add('p', x), /FaceDatabase.add: the encoder returned shape \[1, 3\]; expected \[1, 5\]/);
    tf.dispose([x, batch]);
  });

  it('recognises ORL faces with a fixed projection encoder, as float64 distances say', async function () {
    skipWithoutOrl(this);
    const encoder = new ProjectionEncoder(16);
    try {
      const db = new FaceDatabase(encoder);
      const people = ['s1', 's2', 's3', 's4', 's5'];
      for (const p of people) {
        const faces = await Promise.all([1, 2, 3].map(i => images.load(path.join(ORL, p, `${i}.pgm`))));
        await db.add(p, faces);
        tf.dispose(faces);
      }
      let correct = 0;
      for (const p of [...people, 's6']) {
        const probe = await images.load(path.join(ORL, p, '9.pgm'));
        const e = await encoder.encode(probe);
        const v = Array.from(await e.data());
        e.dispose();
        // float64 nearest neighbour over the stored embeddings
        let best = '', bestD = Infinity;
        for (const name of db.identities()) {
          for (const row of db.embeddings(name)) {
            const d = Math.sqrt(row.reduce((s, x, k) => s + (x - v[k]) ** 2, 0));
            if (d < bestD) { bestD = d; best = name; }
          }
        }
        const r = await whoIsIt(probe, db, { threshold: 0.7 });
        assert.equal(r.nearest, best);
        assert.ok(Math.abs(r.distance - bestD) < 1e-12);
        assert.equal(r.identity, bestD > 0.7 ? null : best);
        const check = await verify(probe, best, db);
        assert.ok(Math.abs(check.distance - bestD) < 1e-12);
        if (r.nearest === p) correct++;
        probe.dispose();
      }
      assert.ok(correct >= 3, `a random projection of 8x8 thumbnails still finds most of 5 known people; got ${correct}`);
    } finally {
      encoder.dispose();
    }
  });
});
