// Shared by the course-library tests: the leak check every library test makes, and the ORL research
// faces (../shared beside the checkout; tests that need them skip with a clear message when absent).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../src/lib/tf';

export const ORL = path.resolve(__dirname, '../../../shared/data/faces/orl');

/** Mocha hooks for the enclosing describe: every passing test leaves as many tensors as it found. */
export function checkNoTensorLeaks(): void {
  let baseline = 0;
  beforeEach(() => { baseline = tf.memory().numTensors; });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') assert.equal(tf.memory().numTensors, baseline, 'tensors leaked');
  });
}

/** Skips the running test, saying why, when the ORL faces are not beside the checkout. */
export function skipWithoutOrl(test: Mocha.Context): void {
  if (fs.existsSync(path.join(ORL, 's1', '1.pgm'))) return;
  console.log(`      (skipped: ORL faces not found at ${ORL})`);
  test.skip();
}
