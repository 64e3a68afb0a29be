// How cells import modules: `import x from 'spec'` compiles to `await __cnb_import('spec')`.
// Resolution order: the bundled course library as 'convnet'; TF.js always from the extension's own
// node_modules (one engine per process, shared with the course library); Node built-ins; then the
// notebook's folder and its parents (workspace node_modules); last the extension's node_modules.
import { builtinModules, createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dropForeignHandlers } from './processHandlers';

export interface ModuleLoaderOptions {
  /** The notebook's folder: relative specifiers and workspace packages resolve from here. */
  notebookDir: string;
  /** dist/lib.js, the course library. */
  libraryPath: string;
}

/** Packages that must come from the extension so every part of the process shares one instance. */
const SHARED_WITH_LIBRARY = /^@tensorflow\/tfjs(-core|-backend-cpu|-backend-wasm|-backend-webgpu|-layers|-converter|-data)?(\/|$)/;

// esbuild would turn a literal import() into require(); this keeps a real dynamic import for ESM-only packages.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

export class ModuleLoader {
  private readonly fromNotebook: NodeRequire;
  private readonly fromExtension: NodeRequire;

  constructor(private readonly options: ModuleLoaderOptions) {
    this.fromNotebook = createRequire(path.join(options.notebookDir, '__notebook__.js'));
    this.fromExtension = createRequire(options.libraryPath);
  }

  /** The `require` that cells see: same resolution as `import`, synchronous. */
  require = (specifier: string): unknown => {
    const resolved = this.resolve(specifier);
    return resolved.kind === 'builtin' ? this.fromExtension(specifier) : this.fromExtension(resolved.path);
  };

  /** Resolves and loads a module; the result always has a `default`, like an ES namespace. */
  async import(specifier: unknown): Promise<Record<string, unknown>> {
    try {
      return await this.load(specifier);
    } finally {
      dropForeignHandlers(); // see processHandlers.ts: a loaded module may have added rethrowing handlers
    }
  }

  private async load(specifier: unknown): Promise<Record<string, unknown>> {
    if (typeof specifier !== 'string' || specifier === '') {
      throw new TypeError(`import: the module specifier must be a non-empty string, got ${typeof specifier}`);
    }
    const resolved = this.resolve(specifier);
    if (resolved.kind === 'builtin') return asNamespace(this.fromExtension(specifier));
    if (specifier === 'convnet') {
      const lib = this.fromExtension(resolved.path) as { ready?: () => Promise<unknown> };
      await lib.ready?.(); // the backend is chosen asynchronously; cells get it ready to use
      return asNamespace(lib);
    }
    try {
      return asNamespace(this.fromExtension(resolved.path));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || /\.mjs$/.test(resolved.path)) {
        return dynamicImport(pathToFileURL(resolved.path).href);
      }
      throw e;
    }
  }

  private resolve(specifier: string): { kind: 'builtin' } | { kind: 'file'; path: string } {
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return { kind: 'builtin' };
    if (specifier === 'convnet') return { kind: 'file', path: this.options.libraryPath };
    if (SHARED_WITH_LIBRARY.test(specifier)) return { kind: 'file', path: this.fromExtension.resolve(specifier) };
    try {
      return { kind: 'file', path: this.fromNotebook.resolve(specifier) };
    } catch (notebookError) {
      if (specifier.startsWith('.') || path.isAbsolute(specifier)) throw notebookError;
      try {
        return { kind: 'file', path: this.fromExtension.resolve(specifier) };
      } catch {
        const e = new Error(`Cannot find module '${specifier}' from the notebook's folder ${this.options.notebookDir} ` +
          `(looked in its node_modules and its parents', and in the extension's). Install it with npm in the workspace.`);
        (e as { code?: string }).code = 'MODULE_NOT_FOUND';
        throw e;
      }
    }
  }
}

/** CommonJS exports seen as an ES namespace: named exports plus `default` (esModuleInterop). */
function asNamespace(mod: unknown): Record<string, unknown> {
  if (mod !== null && (typeof mod === 'object' || typeof mod === 'function')) {
    if ((mod as { __esModule?: boolean }).__esModule) return mod as Record<string, unknown>;
    return new Proxy(mod as Record<string, unknown>, {
      get: (target, key) => (key === 'default' ? mod : Reflect.get(target, key)),
      has: (target, key) => key === 'default' || Reflect.has(target, key),
    });
  }
  return { default: mod };
}
