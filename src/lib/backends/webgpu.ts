// WebGPU in Node: Dawn (the npm package `webgpu`, which ships dawn.node) under @tensorflow/tfjs-backend-webgpu.
// We pick the adapter ourselves and hand exactly that one to TF.js through a small `navigator.gpu`, so what
// backendInfo() reports is what computes. Software adapters (llvmpipe, SwiftShader, ...) are correct but
// slower than wasm: `auto` never uses one, an explicit `webgpu` may (with a warning).
// Reads must be async here: tfjs-backend-webgpu's dataSync() needs OffscreenCanvas, which Node lacks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

/** What the adapter says about itself (GPUAdapterInfo), plus our verdict. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser or a stub (llvmpipe, lavapipe, SwiftShader, WARP, Dawn's null backend). */
  isSoftware: boolean;
}

export interface WebGPUSetup {
  adapter: AdapterSummary;
  /** The Dawn options the adapter came from ('' = the platform's default: Vulkan, D3D12 or Metal). */
  dawnOptions: string;
  /** 'core', or 'compatibility' (Dawn's OpenGL/GLES backends only offer that). */
  featureLevel: 'core' | 'compatibility';
  /** For people: "llvmpipe (OpenGL ES 3.2 Mesa 22.3.6; compatibility mode)". */
  label: string;
}

/** Thrown when WebGPU cannot be used; `fix` is set when the user can do something about it. */
export class WebGPUUnavailable extends Error {
  constructor(message: string, readonly fix?: string, readonly adapter?: AdapterSummary) {
    super(message);
    this.name = 'WebGPUUnavailable';
  }
}

export interface WebGPUOptions {
  /** Use a software adapter when no hardware one is found (an explicit `webgpu` request). */
  allowSoftware: boolean;
  /** Loads @tensorflow/tfjs-backend-webgpu (only tf.ts may require TF.js packages). */
  loadBackend: () => unknown;
  env?: NodeJS.ProcessEnv;
}

// ---------------------------------------------------------------------------------------------------------
// Pure helpers (unit-tested directly)

const SOFTWARE_ADAPTER = /llvmpipe|softpipe|lavapipe|swiftshader|microsoft basic render|\bwarp\b|null-backend/i;

/** True for adapters that run on the CPU (or not at all): never worth choosing over wasm automatically. */
export function isSoftwareAdapter(info: Partial<Record<string, unknown>>): boolean {
  if (info.isFallbackAdapter === true || info.adapterType === 'cpu') return true;
  const text = ['vendor', 'architecture', 'device', 'description'].map(k => String(info[k] ?? '')).join(' ');
  return SOFTWARE_ADAPTER.test(text);
}

/** CONVNET_DAWN_OPTS: Dawn options separated by spaces or ';' (a single option may hold commas,
 *  e.g. `enable-dawn-features=allow_unsafe_apis,disable_robustness`). */
export function parseDawnOptions(value: string | undefined): string[] {
  return (value ?? '').split(/[;\s]+/).map(s => s.trim()).filter(Boolean);
}

export function summarise(info: Partial<Record<string, unknown>> | undefined): AdapterSummary {
  const s = (k: string) => String(info?.[k] ?? '');
  return { vendor: s('vendor'), architecture: s('architecture'), device: s('device'), description: s('description'),
    isSoftware: isSoftwareAdapter(info ?? {}) };
}

export function adapterLabel(a: AdapterSummary, featureLevel: 'core' | 'compatibility'): string {
  const name = a.device || a.description || a.vendor || 'unnamed adapter';
  const extra = [a.description && a.description !== name ? a.description : '', a.vendor && !name.includes(a.vendor) ? a.vendor : '',
    featureLevel === 'compatibility' ? 'compatibility mode' : ''].filter(Boolean);
  return extra.length ? `${name} (${extra.join('; ')})` : name;
}

// ---------------------------------------------------------------------------------------------------------
// Dawn

// Only what we touch of the WebGPU API (the tsconfig has no DOM types).
interface GpuAdapterLike { info?: Record<string, unknown>; features: { has(name: string): boolean }; limits: Record<string, number> }
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
interface DawnModule { create(options: string[]): GpuLike; globals: Record<string, unknown> }
interface GpuDeviceLike { destroy(): void }

// esbuild turns a literal import() into require(); `webgpu` is an ES module, so keep a real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

let dawnPromise: Promise<DawnModule> | undefined;

/** Loads the `webgpu` package (dawn.node) once. */
export function loadDawn(): Promise<DawnModule> {
  dawnPromise ??= (async () => {
    let entry: string;
    try {
      entry = require.resolve('webgpu');
    } catch {
      throw new WebGPUUnavailable('the webgpu package (Dawn for Node) is not installed', 'npm install webgpu next to the extension');
    }
    const binary = path.join(path.dirname(entry), 'dist', `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`, 'dawn.node');
    if (!fs.existsSync(binary)) {
      throw new WebGPUUnavailable(`the webgpu package has no dawn.node for ${process.platform}-${process.arch}`);
    }
    try {
      return (await dynamicImport(pathToFileURL(entry).href)) as DawnModule;
    } catch (e) {
      throw new WebGPUUnavailable(`dawn.node could not be loaded: ${(e as Error).message.split('\n')[0]}`);
    }
  })();
  return dawnPromise;
}

/** Linux: can the dynamic linker find this library (with the system's search rules)? A library that is found but
 *  is no Node addon fails with "did not self-register"; a missing one with "cannot open shared object file". */
export function libraryPresent(name: string): boolean {
  if (process.platform !== 'linux') return true;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, name);
    return true;
  } catch (e) {
    return !/cannot open shared object file|no such file/i.test((e as Error).message);
  }
}

/** Linux: is there a GPU device node? Decides whether a missing driver is worth a warning. */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    if (fs.readdirSync('/dev').some(n => /^nvidia\d+$/.test(n))) return true;
    return fs.readdirSync('/dev/dri').some(n => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

interface Attempt { options: string[]; gles: boolean }

function attemptsFor(env: NodeJS.ProcessEnv, allowSoftware: boolean): Attempt[] {
  const user = parseDawnOptions(env.CONVNET_DAWN_OPTS);
  const isGl = (opts: string[]) => opts.some(o => /^backend=opengl(es)?$/.test(o));
  if (user.length) return [{ options: user, gles: isGl(user) }];
  const attempts: Attempt[] = [{ options: [], gles: false }];
  // Dawn's GLES backend over EGL: a way in where Vulkan is missing. Here it only ever found llvmpipe, so it
  // is tried when a software adapter would be accepted anyway.
  if (process.platform === 'linux' && allowSoftware) attempts.push({ options: ['backend=opengles'], gles: true });
  return attempts;
}

interface Found { gpu: GpuLike; adapter: GpuAdapterLike; summary: AdapterSummary; featureLevel: 'core' | 'compatibility'; attempt: Attempt }

async function requestAdapter(dawn: DawnModule, attempt: Attempt, env: NodeJS.ProcessEnv): Promise<Found | undefined> {
  // Mesa's EGL needs a platform without a display server; set before Dawn opens EGL (setenv reaches native code).
  if (attempt.gles && !env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = dawn.create(attempt.options);
  const base = { powerPreference: 'high-performance' };
  let adapter = await gpu.requestAdapter(base);
  let featureLevel: 'core' | 'compatibility' = 'core';
  if (!adapter) {
    // Dawn's OpenGL/GLES backends only offer compatibility-mode adapters.
    adapter = await gpu.requestAdapter({ ...base, featureLevel: 'compatibility', compatibilityMode: true });
    featureLevel = 'compatibility';
  }
  if (!adapter) return undefined;
  return { gpu, adapter, summary: summarise(adapter.info), featureLevel, attempt };
}

/** Finds the adapter to use, or throws WebGPUUnavailable with the reason (and a fix where there is one). */
async function findAdapter(options: WebGPUOptions, env: NodeJS.ProcessEnv): Promise<Found> {
  const attempts = attemptsFor(env, options.allowSoftware);
  const defaultOnly = !env.CONVNET_DAWN_OPTS;
  // Without the Vulkan loader Dawn finds nothing on Linux (and says so on stderr): skip it.
  const vulkanMissing = defaultOnly && !libraryPresent('libvulkan.so.1');
  let software: Found | undefined;
  const errors: string[] = [];
  const runnable = attempts.filter(attempt => {
    if (vulkanMissing && !attempt.gles) return false;
    // Dawn opens EGL by its development name, which only the -dev package (libegl-dev) installs.
    if (attempt.gles && !libraryPresent('libEGL.so')) {
      errors.push('Dawn\'s OpenGL ES backend needs libEGL.so (Debian/Ubuntu: libegl-dev, with libegl-mesa0 and libgl1-mesa-dri for llvmpipe)');
      return false;
    }
    return true;
  });
  // Loading dawn.node (20 MB) only when there is something to ask it.
  const dawn = runnable.length ? await loadDawn() : undefined;
  for (const attempt of runnable) {
    try {
      const found = await requestAdapter(dawn!, attempt, env);
      if (!found) continue;
      if (!found.summary.isSoftware) return found;
      software ??= found;
    } catch (e) {
      errors.push((e as Error).message.split('\n')[0]);
    }
  }
  if (software && options.allowSoftware) return software;
  const gpuHere = gpuDevicePresent();
  if (software) {
    const name = adapterLabel(software.summary, software.featureLevel);
    throw new WebGPUUnavailable(`only a software adapter (${name}): slower than wasm`,
      gpuHere ? 'install the GPU\'s Vulkan driver so Dawn finds the hardware adapter' : undefined, software.summary);
  }
  if (errors.length) throw new WebGPUUnavailable(`no WebGPU adapter: ${vulkanMissing ? 'no Vulkan loader (libvulkan.so.1); ' : ''}${errors.join('; ')}`);
  if (vulkanMissing) {
    throw new WebGPUUnavailable('no WebGPU adapter: the Vulkan loader (libvulkan.so.1) is not installed',
      gpuHere ? 'install libvulkan1 and the GPU\'s Vulkan driver (NVIDIA: the driver\'s Vulkan ICD; AMD/Intel: mesa-vulkan-drivers)' : undefined);
  }
  const none = process.platform === 'linux' ? 'no Vulkan driver reported a GPU' : 'Dawn found no adapter';
  throw new WebGPUUnavailable(defaultOnly ? `no WebGPU adapter: ${none}` : `no WebGPU adapter with CONVNET_DAWN_OPTS=${env.CONVNET_DAWN_OPTS}`,
    gpuHere ? 'install the GPU\'s Vulkan driver; `vulkaninfo --summary` should list the GPU' : undefined);
}

// ---------------------------------------------------------------------------------------------------------
// Putting it in place

let device: GpuDeviceLike | undefined;
const SELF_TEST_TIMEOUT_MS = 20000;

/** Puts Dawn's constants (GPUBufferUsage, ...) and a `navigator.gpu` that answers with `found.adapter` in place. */
function installNavigator(found: Found, dawn: DawnModule): void {
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  let handedOut = false;
  const request = { powerPreference: 'high-performance', ...(found.featureLevel === 'compatibility' ? { featureLevel: 'compatibility', compatibilityMode: true } : {}) };
  const gpu: GpuLike = {
    // The first request gets the adapter we classified and reported; an adapter makes one device, so a
    // backend re-created later (tf.removeBackend, engine reset) gets a fresh one from the same Dawn instance.
    requestAdapter: async () => {
      if (handedOut) return found.gpu.requestAdapter(request);
      handedOut = true;
      return found.adapter;
    },
    getPreferredCanvasFormat: () => found.gpu.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
    wgslLanguageFeatures: found.gpu.wgslLanguageFeatures,
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav && typeof nav === 'object') {
    // Node >= 21 has a navigator of its own (hardwareConcurrency, userAgent): add to it.
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

/** Sets TF.js up on WebGPU, or throws WebGPUUnavailable saying why not. */
export async function initWebGPUBackend(tf: TF, options: WebGPUOptions): Promise<WebGPUSetup> {
  const env = options.env ?? process.env;
  const found = await findAdapter(options, env);
  installNavigator(found, await loadDawn());
  options.loadBackend();
  if (!tf.findBackendFactory('webgpu')) {
    throw new WebGPUUnavailable('@tensorflow/tfjs-backend-webgpu was loaded before navigator.gpu existed, so it did not register');
  }
  // TF.js reports a failing backend factory with console.warn; keep that out of cells and use the message.
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.map(a => (a instanceof Error ? a.message : String(a))).join(' ')); };
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } finally {
    console.warn = warn;
  }
  const label = adapterLabel(found.summary, found.featureLevel);
  if (!ok) {
    tf.removeBackend('webgpu');
    throw new WebGPUUnavailable(`the adapter ${label} could not make a device: ${warnings.join(' ').replace(/\s+/g, ' ').slice(0, 300) || 'no reason given'}`);
  }
  for (const w of warnings) console.warn(w); // it started: what TF.js had to say is not about failing
  await tf.ready();
  device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  process.once('exit', releaseWebGPU);
  try {
    await selfTest(tf, label);
  } catch (e) {
    tf.removeBackend('webgpu');
    releaseWebGPU();
    throw e;
  }
  return { adapter: found.summary, dawnOptions: found.attempt.options.join(' '), featureLevel: found.featureLevel, label };
}

/** One small matrix product read back asynchronously: an adapter that makes a device may still not compute
 *  (Dawn's null backend, a broken GL driver). Big enough (>1000 elements) that TF.js does not hand it to the CPU. */
async function selfTest(tf: TF, label: string): Promise<void> {
  const n = 40;
  const product = tf.tidy(() => tf.sum(tf.matMul(tf.ones([n, n]), tf.fill([n, n], 2))));
  let got: number;
  let timer: NodeJS.Timeout | undefined;
  try {
    // A device that never answers (seen with stub adapters) must not hang the kernel's start.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${SELF_TEST_TIMEOUT_MS / 1000} s`)), SELF_TEST_TIMEOUT_MS);
    });
    got = (await Promise.race([product.data(), timeout]))[0];
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    // dawn.node hands mapped GPU memory to JS as external ArrayBuffers, which Electron's V8 refuses
    // (dawn-gpu/node-webgpu#5): the kernel must run on a plain Node.js for WebGPU.
    if (/external buffers are not allowed/i.test(message) || process.versions.electron) {
      throw new WebGPUUnavailable(`reading GPU results failed under Electron's Node (${message})`,
        'set convnetNotebooks.nodePath to a Node.js 20+ executable: dawn.node\'s buffers do not work in the Node that VS Code runs extensions with');
    }
    throw new WebGPUUnavailable(`the adapter ${label} failed a test computation: ${message}`);
  } finally {
    clearTimeout(timer);
    product.dispose();
  }
  const want = n * n * n * 2;
  if (got !== want) throw new WebGPUUnavailable(`the adapter ${label} computed a wrong result in a test (${got} instead of ${want})`);
}

/** Destroys the device: pending GPU work stops and Dawn lets the process go. Called on exit; safe to repeat. */
export function releaseWebGPU(): void {
  const d = device;
  device = undefined;
  try {
    d?.destroy();
  } catch {
    // already lost or destroyed
  }
}
