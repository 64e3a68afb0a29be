// The headless runner (`convnet-notebooks run`) as a user runs it: the built CLI on real files.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './kernelHarness';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'runner', 'basic.ipynb');

function cli(args: string[], timeoutMs = 60000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CONVNET_BACKEND: 'cpu' } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function tempCopy(nb: unknown = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnb-run-'));
  const file = path.join(dir, 'nb.ipynb');
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const codeCell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
const notebookOf = (...sources: string[]) => ({
  cells: sources.map(codeCell), metadata: { kernelspec: { name: 'convnet-typescript', language: 'typescript', display_name: 'ConvNet TypeScript' } },
  nbformat: 4, nbformat_minor: 5,
});
const text = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));

describe('headless runner: convnet-notebooks run', function () {
  this.timeout(120000);

  it('executes every code cell in order and writes nbformat outputs back', () => {
    const file = tempCopy();
    const r = cli(['run', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[1\/3\] Cell 2 ok/);
    assert.match(r.stderr, /\[3\/3\] Cell 4 ok/);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(nb.cells[0].cell_type, 'markdown');
    assert.equal(nb.cells[0].outputs, undefined, 'markdown untouched');
    const [c1, c2, c3] = nb.cells.slice(1);
    assert.deepEqual([c1.execution_count, c2.execution_count, c3.execution_count], [1, 2, 3]);
    assert.deepEqual(c1.outputs, [{ output_type: 'stream', name: 'stdout', text: ['base is 40\n'] }]);
    // The display was updated in place: the saved file shows its final state.
    assert.equal(c2.outputs[0].output_type, 'display_data');
    assert.equal(text(c2.outputs[0].data['text/plain']), "'step 3'");
    assert.equal(c2.outputs[1].output_type, 'execute_result');
    assert.equal(c2.outputs[1].execution_count, 2);
    assert.equal(text(c2.outputs[1].data['text/plain']), '42');
    const tensor = c3.outputs[0].data;
    assert.deepEqual(tensor['application/vnd.convnet.tensor+json'].shape, [3]);
    assert.deepEqual(tensor['application/vnd.convnet.tensor+json'].values, [1, 2, 3]);
    assert.ok(tensor['text/html'], 'a text/html fallback for viewers without the renderer');
    assert.ok(tensor['text/plain']);
  });

  it('stops at the first failing cell, exits 1 and leaves the file untouched', () => {
    const nb = notebookOf('const x = 1;', "throw new Error('broken');", 'x + 1');
    const file = tempCopy(nb);
    const before = fs.readFileSync(file, 'utf8');
    const r = cli(['run', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Cell 2 FAILED/);
    assert.match(r.stderr, /Error: broken/);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  it('with --allow-errors keeps going and saves the error output', () => {
    const file = tempCopy(notebookOf('const x = 1;', "throw new TypeError('broken');", 'x + 1'));
    const out = path.join(path.dirname(file), 'out.ipynb');
    const r = cli(['run', file, '--allow-errors', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8'));
    const err = nb.cells[1].outputs[0];
    assert.equal(err.output_type, 'error');
    assert.equal(err.ename, 'TypeError');
    assert.equal(err.evalue, 'broken');
    assert.ok(err.traceback.some((l: string) => l.includes('Cell 2:1:7')), err.traceback.join('\n'));
    assert.equal(text(nb.cells[2].outputs[0].data['text/plain']), '2');
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).cells[2].outputs.length, 0, '--out leaves IN alone');
  });

  it('--timeout interrupts a cell that never ends', () => {
    const file = tempCopy(notebookOf('while (true) {}'));
    const t0 = Date.now();
    const r = cli(['run', file, '--timeout', '1', '--allow-errors']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - t0 < 20000);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.ok(nb.cells[0].outputs.some((o: { ename?: string }) => o.ename === 'CellTimeoutError'));
  });

  it('rejects bad usage and bad files with a clear message', () => {
    assert.equal(cli(['run']).status, 2);
    assert.match(cli(['run', '/no/such.ipynb']).stderr, /no such notebook/);
    assert.match(cli(['run', 'x.ipynb', '--timeout', 'soon']).stderr, /--timeout must be a positive number/);
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cnb-bad-')), 'bad.ipynb');
    fs.writeFileSync(bad, '{ not json');
    const r = cli(['run', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is not valid JSON/);
  });
});
