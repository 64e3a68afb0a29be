// Builds the three kinds of bundle (see docs/architecture.md):
//   dist/extension.js   extension host (cjs, node, `vscode` external)
//   dist/kernel.js      kernel process, dist/lib.js course library, dist/cli.js headless runner (cjs, node)
//   dist/renderers/*.js notebook renderers (esm, browser)
// tfjs and esbuild stay external and are required from node_modules: one TF.js engine per process; h5wasm
// (ESM with its own .wasm) is imported from node_modules when a Keras .h5 file is read.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeExternal = ['vscode', 'esbuild', '@tensorflow/*', 'webgpu', '@vladmandic/*', 'h5wasm', 'h5wasm/*'];
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

const renderersDir = path.join(__dirname, 'renderers');
const rendererEntries = fs.existsSync(renderersDir)
  ? fs.readdirSync(renderersDir).filter(d => d !== 'shared' && fs.existsSync(path.join(renderersDir, d, 'index.ts')))
    .map(d => ({ in: path.join('renderers', d, 'index.ts'), out: d }))
  : [];

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { ...common, entryPoints: { kernel: 'src/kernel/main.ts', lib: 'src/lib/index.ts', 'kernel-interrupt-worker': 'src/kernel/interruptWorker.ts' },
    outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal,
    banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: rendererEntries, outdir: 'dist/renderers', platform: 'browser', format: 'esm', target: 'es2022' },
];

(async () => {
  const t0 = Date.now();
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
    console.log('[esbuild] watching');
  } else {
    await Promise.all(builds.map(b => esbuild.build(b)));
    fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
    console.log(`[esbuild] built dist/ in ${Date.now() - t0} ms`);
  }
})().catch(e => { console.error(e.message); process.exit(1); });
