// @tensorflow/tfjs-node(-gpu): libtensorflow's kernels (CUDA for -gpu) under TF.js. We cannot ship it (its
// install script downloads libtensorflow from outside the npm registry), so we use it when the user installed
// it: in the notebook's folder or a parent, on NODE_PATH, or globally. It is loaded so that its
// require('@tensorflow/tfjs'/'-core') gets the extension's copies: one TF.js engine per process.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type TfjsNodePackage = typeof TFJS_NODE_PACKAGES[number];

export interface TfjsNodeCandidate {
  name: TfjsNodePackage;
  /** The package's folder. */
  dir: string;
  version: string;
}

/** Thrown when tfjs-node cannot be used; `fix` is set when the user can do something about it. */
export class TfjsNodeUnavailable extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message);
    this.name = 'TfjsNodeUnavailable';
  }
}

export interface TfjsNodeSetup {
  name: TfjsNodePackage;
  version: string;
  dir: string;
  /** Problems with candidates tried before this one (e.g. -gpu without CUDA). */
  notes: string[];
}

export interface TfjsNodeOptions {
  /** Where the notebook is (process.cwd() in the kernel): its node_modules and its parents' are searched. */
  cwd: string;
  /** Maps a request for a TF.js package shared with the library to the file the library uses; undefined for others. */
  resolveShared: (request: string) => string | undefined;
  /** The TF.js version the library runs (tfjs-node must have the same major version). */
  tfjsVersion: string;
  env?: NodeJS.ProcessEnv;
  /** The global npm root; by default asked of `npm root -g`. */
  globalRoot?: Promise<string | undefined>;
}

/** node_modules folders to search, nearest first: the notebook's folder and its parents, NODE_PATH, the global root. */
export function searchDirs(cwd: string, env: NodeJS.ProcessEnv, globalRoot: string | undefined): string[] {
  const dirs: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') dirs.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) break;
  }
  for (const p of (env.NODE_PATH ?? '').split(path.delimiter)) if (p) dirs.push(path.resolve(p));
  if (globalRoot) dirs.push(globalRoot);
  return [...new Set(dirs)];
}

/** The installed tfjs-node packages, -gpu first, each from the nearest folder that has it. */
export function findTfjsNode(dirs: string[]): TfjsNodeCandidate[] {
  const found: TfjsNodeCandidate[] = [];
  for (const name of TFJS_NODE_PACKAGES) {
    for (const dir of dirs) {
      const pkgDir = path.join(dir, name);
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version?: string };
        found.push({ name, dir: pkgDir, version: pkg.version ?? '?' });
        break;
      } catch {
        // not here
      }
    }
  }
  return found;
}

let globalRootPromise: Promise<string | undefined> | undefined;

/** `npm root -g`, asked once, at most 4 s; undefined when npm is not on the PATH. */
export function globalNpmRoot(): Promise<string | undefined> {
  globalRootPromise ??= new Promise(resolve => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFile(npm, ['root', '-g'], { timeout: 4000, windowsHide: true, shell: process.platform === 'win32' }, (error, stdout) => {
      const root = stdout?.trim();
      resolve(!error && root ? root : undefined);
    });
  });
  return globalRootPromise;
}

/** Why loading failed, in words the user can act on. */
export function explainLoadError(candidate: Pick<TfjsNodeCandidate, 'name'>, error: unknown): { reason: string; fix?: string } {
  const message = String((error as Error)?.message ?? error).split('\n')[0];
  const rebuild = `npm rebuild ${candidate.name} (its install script downloads libtensorflow, so it needs network access to storage.googleapis.com)`;
  if (/tfjs_binding\.node/.test(message) || /napi-v\d/.test(message)) {
    return { reason: `installed but its native addon (tfjs_binding.node) is missing: ${message}`, fix: rebuild };
  }
  if (/libtensorflow/.test(message)) {
    return { reason: `installed but its native library is missing: ${message}`, fix: rebuild };
  }
  if (/libcud|libcublas|libcufft|libcurand|libcusolver|libcusparse|libnvinfer/.test(message)) {
    return { reason: `the CUDA libraries it needs are missing: ${message}`,
      fix: 'install the CUDA toolkit and cuDNN versions that tfjs-node-gpu was built for (see its README), or use @tensorflow/tfjs-node' };
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return { reason: `its native addon was built for another Node.js version: ${message}`, fix: rebuild };
  }
  const missing = /Cannot find module '([^']+)'/.exec(message);
  if (missing) return { reason: `installed but its dependency ${missing[1]} is missing`, fix: `reinstall it: npm install ${candidate.name}` };
  return { reason: `failed to load: ${message}` };
}

/**
 * Requires the package with a resolver hook: requests from inside its folder for the TF.js packages the library
 * uses are answered with the library's files, so tfjs-node registers its 'tensorflow' backend in our engine.
 */
export function loadWithSharedTfjs(candidate: TfjsNodeCandidate, resolveShared: TfjsNodeOptions['resolveShared']): unknown {
  const hooked = Module as unknown as { _resolveFilename: (request: string, parent: { filename?: string } | null, ...rest: unknown[]) => string };
  const original = hooked._resolveFilename;
  const inside = candidate.dir + path.sep;
  hooked._resolveFilename = function (request, parent, ...rest) {
    if (parent?.filename?.startsWith(inside)) {
      const shared = resolveShared(request);
      if (shared) return shared;
    }
    return original.call(this, request, parent, ...rest);
  };
  // The hook stays: tfjs-node may require TF.js lazily. It only answers requests made from inside its folder.
  return createRequire(path.join(candidate.dir, 'package.json'))(candidate.dir);
}

/** Finds, loads and switches to the 'tensorflow' backend, or throws TfjsNodeUnavailable saying why not. */
export async function initTfjsNodeBackend(tf: TF, options: TfjsNodeOptions): Promise<TfjsNodeSetup> {
  const env = options.env ?? process.env;
  const dirs = searchDirs(options.cwd, env, await (options.globalRoot ?? globalNpmRoot()));
  const candidates = findTfjsNode(dirs);
  if (!candidates.length) {
    throw new TfjsNodeUnavailable(`not installed (looked for @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node from ${options.cwd}, NODE_PATH and the global npm folder)`);
  }
  const notes: string[] = [];
  let last: { reason: string; fix?: string } | undefined;
  const major = (v: string) => v.split('.')[0];
  for (const candidate of candidates) {
    const where = `${candidate.name}@${candidate.version} (${candidate.dir})`;
    if (major(candidate.version) !== major(options.tfjsVersion)) {
      last = { reason: `${where} does not match TF.js ${options.tfjsVersion}`, fix: `npm install ${candidate.name}@${options.tfjsVersion}` };
      notes.push(last.reason);
      continue;
    }
    try {
      loadWithSharedTfjs(candidate, options.resolveShared);
    } catch (e) {
      const why = explainLoadError(candidate, e);
      last = { reason: `${where}: ${why.reason}`, fix: why.fix };
      notes.push(last.reason);
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      last = { reason: `${where} loaded but registered no 'tensorflow' backend with this TF.js (a second copy of @tensorflow/tfjs-core?)` };
      notes.push(last.reason);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      tf.removeBackend('tensorflow');
      last = { reason: `${where} loaded but its backend failed to initialise` };
      notes.push(last.reason);
      continue;
    }
    await tf.ready();
    return { name: candidate.name, version: candidate.version, dir: candidate.dir, notes };
  }
  throw new TfjsNodeUnavailable(notes.join('; ') || last?.reason || 'unusable', last?.fix);
}
