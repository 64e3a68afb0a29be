// The kernel as a black box: a real process, spoken to over its protocol.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../../src/kernel/client';
import { errorOf, KERNEL_PATH, ROOT, run, startKernel } from './kernelHarness';

describe('kernel process (black box over the protocol)', function () {
  this.timeout(60000);
  let kernel: KernelClient;

  before(async () => { kernel = startKernel(); await kernel.ready; });
  after(async () => { await kernel?.shutdown(); });

  it('keeps state across cells and shows the last expression', async () => {
    await run(kernel, 'const a: number = 40;\nfunction add(x: number, y: number) { return x + y; }', 'Cell 1');
    const r = await run(kernel, 'add(a, 2)', 'Cell 2');
    assert.equal(r.outcome.status, 'ok');
    assert.equal(r.result, '42');
  });

  it('supports top-level await and for await', async () => {
    const r = await run(kernel, [
      'async function* count() { for (let i = 1; i <= 3; i++) { await new Promise(r => setTimeout(r, 5)); yield i; } }',
      'let total = 0;',
      'for await (const n of count()) total += n;',
      'await Promise.resolve(total * 10)',
    ].join('\n'));
    assert.equal(r.result, '60');
  });

  it('streams console output in order, also across awaits, with stdout and stderr apart', async () => {
    const r = await run(kernel, [
      "console.log('one');",
      "console.error('two');",
      'await new Promise(r => setTimeout(r, 20));',
      "console.info('three', { x: 1 });",
      "process.stdout.write('four\\n');",
      "console.warn('five');",
    ].join('\n'));
    const streams = r.outputs.filter(o => o.type === 'stream').map(o => `${(o as { name: string }).name}:${(o as { text: string }).text}`);
    assert.deepEqual(streams, ['stdout:one\n', 'stderr:two\n', 'stdout:three { x: 1 }\n', 'stdout:four\n', 'stderr:five\n']);
    assert.equal(r.result, undefined, 'a console call as last expression shows nothing (undefined)');
  });

  it('maps runtime errors to the TypeScript cell line and column', async () => {
    const code = [
      'interface Point { x: number; y: number }',   // line 1: erased by the compiler
      'const p: Point = { x: 1, y: 2 };',           // line 2
      'function check(q: Point): never {',          // line 3
      "  throw new RangeError(`bad point ${q.x}`);", // line 4
      '}',
      'check(p);',                                  // line 6
    ].join('\n');
    const r = await run(kernel, code, 'Cell 7');
    assert.equal(r.outcome.status, 'error');
    const e = errorOf(r)!;
    assert.equal(e.ename, 'RangeError');
    assert.equal(e.evalue, 'bad point 1');
    const frames = e.traceback.filter(l => l.trim().startsWith('at '));
    assert.match(frames[0], /at check \(Cell 7:4:9\)/);
    assert.ok(frames.some(f => /Cell 7:6:1\b/.test(f)), `a frame at the call site, got:\n${frames.join('\n')}`);
    assert.ok(!e.traceback.some(l => /kernel\.js|node:internal/.test(l)), 'kernel-internal frames are hidden');
  });

  it('reports syntax errors with their position without running anything', async () => {
    const r = await run(kernel, 'const ok = 1;\nconst = 3;', 'Cell 3');
    assert.equal(r.outcome.status, 'error');
    const e = errorOf(r)!;
    assert.equal(e.ename, 'SyntaxError');
    assert.match(e.traceback[0], /^Cell 3:2:\d+$/);
    const check = await run(kernel, 'typeof ok');
    assert.equal(check.result, "'undefined'", 'nothing of the failed cell ran');
  });

  it('interrupts a synchronous infinite loop and keeps the state', async () => {
    await run(kernel, 'const answer = 42;');
    const pending = run(kernel, 'while (true) {}', 'Cell 9');
    await new Promise(r => setTimeout(r, 300));
    const t0 = Date.now();
    kernel.interrupt();
    const r = await pending;
    assert.equal(r.outcome.status, 'interrupted');
    assert.ok(Date.now() - t0 < 3000, 'stopped promptly');
    assert.equal((await run(kernel, 'answer')).result, '42');
  });

  it('interrupts an async loop (await sleep) and a spinning continuation after an await', async () => {
    for (const code of [
      'while (true) await sleep(10);',
      'while (true) await new Promise(r => setTimeout(r, 10));',
      'await new Promise(r => setTimeout(r, 10));\nwhile (true) {}',
      'setTimeout(() => { while (true) {} }, 10);\nawait new Promise(() => {});',
    ]) {
      const pending = run(kernel, code, 'Cell 5');
      await new Promise(r => setTimeout(r, 300));
      kernel.interrupt();
      const r = await pending;
      assert.equal(r.outcome.status, 'interrupted', code);
      assert.equal((await run(kernel, 'answer')).result, '42', `state kept after: ${code}`);
    }
    // Timers of the interrupted cell were cancelled: nothing keeps running in the background.
    await run(kernel, 'let ticks = 0;');
    const pending = run(kernel, 'setInterval(() => ticks++, 5);\nawait new Promise(() => {});');
    await new Promise(r => setTimeout(r, 100));
    kernel.interrupt();
    await pending;
    const a = Number((await run(kernel, 'ticks')).result);
    await new Promise(r => setTimeout(r, 100));
    assert.equal(Number((await run(kernel, 'ticks')).result), a, 'the interval stopped');
  });

  it('an interrupt never hits the cell that runs after the interrupted one', async () => {
    for (let i = 0; i < 3; i++) {
      const pending = run(kernel, 'while (true) await sleep(10);');
      await new Promise(r => setTimeout(r, 100));
      kernel.interrupt();
      assert.equal((await pending).outcome.status, 'interrupted');
      // Busy for longer than the interrupt worker's escalation delay (250 ms), sync and async.
      const next = await run(kernel, 'const t0 = Date.now(); while (Date.now() - t0 < 400) {}\nawait sleep(1);\nconst t1 = Date.now(); while (Date.now() - t1 < 400) {}\nanswer');
      assert.equal(next.outcome.status, 'ok', JSON.stringify(next.outputs));
      assert.equal(next.result, '42');
    }
    // An interrupt while nothing runs is ignored, and does not hit the next cell either.
    kernel.interrupt();
    await new Promise(r => setTimeout(r, 50));
    assert.equal((await run(kernel, 'const t2 = Date.now(); while (Date.now() - t2 < 400) {}\nanswer')).result, '42');
  });

  it('gives library loops an AbortSignal that fires on interrupt', async () => {
    const pending = run(kernel, [
      "const k = (globalThis as any)[Symbol.for('convnet.kernel')];",
      'const signal: AbortSignal = k.signal;',
      "signal.addEventListener('abort', () => { (globalThis as any).sawAbort = true; });",
      'await new Promise(() => {});',
    ].join('\n'));
    await new Promise(r => setTimeout(r, 200));
    kernel.interrupt();
    await pending;
    assert.equal((await run(kernel, '(globalThis as any).sawAbort')).result, 'true');
  });

  it('shows rich values and updates a display in place', async () => {
    const r = await run(kernel, [
      "await display({ step: 1 }, { id: 'p' });",
      "display.update('p', { step: 2 });",
      "console.log('after');",
    ].join('\n'));
    const kinds = r.outputs.map(o => o.type);
    assert.deepEqual(kinds, ['display', 'update', 'stream']);
    const upd = r.outputs[1] as { displayId: string; data: Record<string, string> };
    assert.equal(upd.displayId, 'p');
    assert.equal(upd.data['text/plain'], '{ step: 2 }');
    const bad = await run(kernel, 'display(1, { id: 3 as any })');
    assert.match(errorOf(bad)!.evalue, /display: options\.id must be a non-empty string/);
  });

  it('imports Node built-ins, workspace packages and the course library', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cnb-ws-'));
    fs.mkdirSync(path.join(dir, 'node_modules', 'tiny-pkg'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'tiny-pkg', 'package.json'), '{"name":"tiny-pkg","main":"index.js"}');
    fs.writeFileSync(path.join(dir, 'node_modules', 'tiny-pkg', 'index.js'), 'exports.triple = x => 3 * x;');
    fs.writeFileSync(path.join(dir, 'helper.js'), 'module.exports = { greet: n => `hi ${n}` };');
    const k = startKernel(dir);
    try {
      await k.ready;
      const r = await run(k, [
        "import * as path from 'node:path';",
        "import { triple } from 'tiny-pkg';",
        "import helper from './helper.js';",
        "import { tf, backendInfo } from 'convnet';",
        "[path.basename('/a/b.txt'), triple(14), helper.greet('x'), backendInfo().name, tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]]",
      ].join('\n'));
      assert.equal(r.outcome.status, 'ok', JSON.stringify(r.outputs));
      assert.equal(r.result, "[ 'b.txt', 42, 'hi x', 'cpu', 3 ]");
      const missing = await run(k, "import 'no-such-package-xyz';");
      assert.match(errorOf(missing)!.evalue, /Cannot find module 'no-such-package-xyz'/);
    } finally {
      await k.shutdown();
    }
  });

  it('survives a crash: the running cell fails with a clear message and a new kernel works', async () => {
    const k = startKernel();
    await k.ready;
    const r = await run(k, "console.log('bye');\nprocess.exit(3);");
    assert.equal(r.outcome.status, 'died');
    assert.match((r.outcome as { message: string }).message, /kernel process died \(exit code 3\)/);
    assert.equal(k.alive, false);
    const again = await run(k, '1');
    assert.equal(again.outcome.status, 'died', 'a dead kernel answers at once, never hangs');
    const fresh = startKernel();
    await fresh.ready;
    assert.equal((await run(fresh, '6 * 7')).result, '42');
    await fresh.shutdown();
  });

  it('stays alive on a stray exception after the wasm backend (emscripten) is loaded', async () => {
    const k = KernelClient.start({ kernelPath: KERNEL_PATH, cwd: ROOT, env: { CONVNET_BACKEND: 'wasm' } });
    try {
      await k.ready;
      const imported = await run(k, "import { tf, backendInfo } from 'convnet';\nbackendInfo().name");
      assert.equal(imported.result, "'wasm'", JSON.stringify(imported.outputs));
      const info = await k.info();
      assert.ok(info && info.memory.tensors !== undefined, 'info works once the backend is ready');
      const r = await run(k, "setTimeout(() => { throw new Error('stray'); }, 5);\nawait sleep(50);\n'alive'");
      assert.equal(r.outcome.status, 'ok');
      assert.equal(r.result, "'alive'");
      assert.match(r.stderr, /Uncaught exception: Error: stray/);
      assert.equal((await run(k, 'Promise.reject(new Error("floating")); await sleep(20); 7')).result, '7');
    } finally {
      await k.shutdown();
    }
  });

  it('reports an uncaught exception from a timer on stderr without killing the kernel', async () => {
    const r = await run(kernel, "setTimeout(() => { throw new Error('late boom'); }, 5);\nawait sleep(50);\n'still here'");
    assert.equal(r.result, "'still here'");
    assert.match(r.stderr, /Uncaught exception: Error: late boom/);
    assert.doesNotMatch(r.stderr, /trampoline|node:vm/, 'the kernel\'s timer machinery is not shown');
  });
});
