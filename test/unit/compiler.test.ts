// Compiler tests as a table: each case runs its cells, in order, in one fresh vm context (as the kernel
// does) and checks what the last cell shows, throws, or fails to compile with.
import { strict as assert } from 'node:assert';
import * as vm from 'node:vm';
import { compileCell, CompileError, type CompiledCell } from '../../src/kernel/compiler';

type Language = 'typescript' | 'javascript';

type Expectation =
  /** The last cell shows this value (compared structurally). */
  | { value: unknown }
  /** The last cell shows nothing (it ends with a declaration, or has no statements). */
  | { noValue: true }
  /** The last cell shows a value this function accepts (functions, classes: not comparable structurally). */
  | { check: (value: unknown) => void }
  /** The last cell throws; `at` is where its top stack frame in that cell maps to in the cell source. */
  | { throws: RegExp; at?: { line: number; column: number } }
  /** The last cell does not compile. */
  | { compileError: RegExp; line: number; column: number };

interface Case {
  name: string;
  cells: string[];
  language?: Language;
  expect: Expectation;
}

/** A miniature kernel: one vm context, cells compiled and run in it one after the other. */
class TestKernel {
  private readonly context: vm.Context;
  private cellCount = 0;

  constructor() {
    const context: Record<string, unknown> = { console, setTimeout };
    context.__cnb_import = async (specifier: string) => {
      if (specifier === 'virtual:side-effect') {
        context.sideEffects = ((context.sideEffects as number | undefined) ?? 0) + 1;
        return { default: {} };
      }
      const mod = require(specifier);
      return { ...mod, default: mod };
    };
    this.context = vm.createContext(context);
  }

  compile(source: string, language: Language): { compiled: CompiledCell; cellName: string } {
    const cellName = `Cell ${++this.cellCount}`;
    return { compiled: compileCell(source, { language, cellName }), cellName };
  }

  async run(source: string, language: Language): Promise<{ hasValue: boolean; value?: unknown }> {
    const { compiled, cellName } = this.compile(source, language);
    return await new vm.Script(compiled.code, { filename: cellName }).runInContext(this.context, { breakOnSigint: true });
  }

  /** Runs a cell that must throw; returns the error and where its top frame in this cell maps to. */
  async runExpectingError(source: string, language: Language): Promise<{ error: { message: string }; at: unknown }> {
    const { compiled, cellName } = this.compile(source, language);
    try {
      await new vm.Script(compiled.code, { filename: cellName }).runInContext(this.context);
    } catch (error) {
      const stack = String((error as { stack?: string }).stack);
      const frame = new RegExp(`${cellName}:(\\d+):(\\d+)`).exec(stack);
      // V8 columns are 1-based; originalPosition takes 0-based ones.
      const at = frame ? compiled.originalPosition(Number(frame[1]), Number(frame[2]) - 1) : null;
      return { error: error as { message: string }, at };
    }
    throw new Error('expected the cell to throw');
  }
}

/** Values from the vm context have that realm's prototypes; clone them into ours to compare. */
function assertShows(actual: unknown, expected: unknown): void {
  if (typeof actual === 'object' && actual !== null) assert.deepStrictEqual(structuredClone(actual), expected);
  else assert.strictEqual(actual, expected);
}

const cases: Case[] = [
  // --- declarations across cells ---------------------------------------------------------------
  { name: 'const, let and var are visible to later cells', cells: ['const a = 1;\nlet b = 2;\nvar c = 3;', 'a + b + c'], expect: { value: 6 } },
  { name: 'running a cell with const twice works', cells: ['const x = 1;', 'const x = 1;', 'x'], expect: { value: 1 } },
  { name: 'a later cell may redeclare a const with let', cells: ['const x = 1;', 'let x = 2;\nx'], expect: { value: 2 } },
  { name: 'let without initializer resets to undefined', cells: ['let w = 1;', 'let w;\nw'], expect: { value: undefined } },
  { name: 'var without initializer keeps the old value', cells: ['var v = 1;', 'var v;\nv'], expect: { value: 1 } },
  { name: 'a var in a top-level for loop is global', cells: ['for (var i = 0; i < 3; i++) {}', 'i'], expect: { value: 3 } },
  { name: 'functions and classes are visible to later cells', cells: ['function greet(name: string) { return `hi ${name}`; }\nclass Counter { n = 0; inc() { return ++this.n; } }', 'const counter = new Counter();\ncounter.inc();\ngreet(String(counter.inc()))'], expect: { value: 'hi 2' } },
  { name: 'object destructuring with rename, default and rest', cells: ['const { a, b: { c }, d = 4, ...rest } = { a: 1, b: { c: 3 }, e: 5, f: 6 };', '[a, c, d, rest]'], expect: { value: [1, 3, 4, { e: 5, f: 6 }] } },
  { name: 'array destructuring with holes, defaults and rest', cells: ["const [first, , third = 'z', ...others] = ['x', 'y', undefined, 'w', 'v'];\n[first, third, others]"], expect: { value: ['x', 'z', ['w', 'v']] } },
  { name: 'a function can be called before its declaration in the same cell', cells: ['const r = double(21);\nfunction double(n: number): number {\n  return n * 2;\n}\nr'], expect: { value: 42 } },
  { name: 'async functions and generators', cells: ['async function twice(x: number) { await null; return x * 2; }\nfunction* range(n: number) { for (let i = 0; i < n; i++) yield i; }\n[...range(3), await twice(5)]'], expect: { value: [0, 1, 2, 10] } },
  { name: 'classes with static members and inheritance across cells', cells: ['class Animal {\n  static count = 0;\n  constructor(public name: string) { Animal.count++; }\n  speak() { return `${this.name} makes a sound`; }\n}', 'class Dog extends Animal {\n  override speak() { return `${super.speak()} (woof)`; }\n}', "`${new Dog('Rex').speak()}, ${Animal.count}`"], expect: { value: 'Rex makes a sound (woof), 1' } },
  { name: 'closures see globals updated by later cells', cells: ['let rate = 1;\nconst scale = (v: number) => v * rate;', 'rate = 10;', 'scale(2)'], expect: { value: 20 } },
  { name: 'functions call the latest definition of a helper from a later cell', cells: ['function helper() { return 1; }\nfunction useHelper() { return helper(); }', 'function helper() { return 2; }', 'useHelper()'], expect: { value: 2 } },
  { name: 'this and globalThis are the context global', cells: ['var g = 1;\nglobalThis.h = 2;', 'this.g + globalThis.g + h'], expect: { value: 4 } },
  { name: 'undeclared assignments create globals (sloppy script)', cells: ['undeclaredName = 7;', 'undeclaredName'], language: 'javascript', expect: { value: 7 } },

  // --- TypeScript-only syntax -----------------------------------------------------------------------
  { name: 'types, interfaces, generics, as and non-null', cells: ['interface Box<T> { value: T }\ntype Num = number;\nfunction wrap<T>(value: T): Box<T> { return { value }; }\nconst b = wrap<Num>(3) as Box<Num> | undefined;\nb!.value'], expect: { value: 3 } },
  { name: 'enums, used in a later cell', cells: ['enum Color { Red, Green = 5, Blue }', '[Color.Red, Color.Green, Color.Blue, Color[5]]'], expect: { value: [0, 5, 6, 'Green'] } },
  { name: 'namespaces', cells: ['namespace Geometry {\n  export const unit = 2;\n  export function area(r: number) { return r * r * unit; }\n}', 'Geometry.area(3)'], expect: { value: 18 } },
  { name: 'satisfies', cells: ['const cfg = { lr: 0.01 } satisfies Record<string, number>;\ncfg.lr'], expect: { value: 0.01 } },
  { name: 'parameter properties', cells: ['class P {\n  constructor(private readonly x: number, public y = 2) {}\n  sum() { return this.x + this.y; }\n}\nnew P(1).sum()'], expect: { value: 3 } },
  { name: 'decorators', cells: ['function doubled(method: (...args: any[]) => number, _context: ClassMethodDecoratorContext) {\n  return function (this: unknown, ...args: any[]) { return method.call(this, ...args) * 2; };\n}\nclass K { @doubled three() { return 3; } }', 'new K().three()'], expect: { value: 6 } },

  // --- await ------------------------------------------------------------------------------------
  { name: 'top-level await', cells: ['const v = await Promise.resolve(41);\nv + 1'], expect: { value: 42 } },
  { name: 'for await over an async generator', cells: ['async function* gen() { yield 1; yield 2; yield 3; }\nlet sum = 0;\nfor await (const v of gen()) sum += v;\nsum'], expect: { value: 6 } },
  { name: 'await inside a template literal', cells: ['`value: ${await Promise.resolve(7)}`'], expect: { value: 'value: 7' } },
  { name: 'await in an async arrow is that arrow’s own', cells: ['const later = async () => { await null; return 2; };\nawait later()'], expect: { value: 2 } },
  { name: 'await in a plain arrow is not top-level', cells: ['const f = () => await 1;'], expect: { compileError: /await/, line: 1, column: 16 } },

  // --- the value a cell shows ------------------------------------------------------------------------
  { name: 'last expression', cells: ['const a = 2;\na * 21'], expect: { value: 42 } },
  { name: 'a declaration shows nothing', cells: ['let y = 3;'], expect: { noValue: true } },
  { name: 'a cell that is an object literal shows the object', cells: ['{ a: 1, b: 2 }'], expect: { value: { a: 1, b: 2 } } },
  { name: 'a one-key object literal is not a labelled block', cells: ['{a: 1}'], expect: { value: { a: 1 } } },
  { name: 'a real block is still a block', cells: ['{ const inner = 1; globalThis.fromBlock = inner + 1; }', 'fromBlock'], expect: { value: 2 } },
  { name: 'trailing comments after the last expression', cells: ['1 + 1 // two\n// more\n/* the end */'], expect: { value: 2 } },
  { name: 'missing semicolons', cells: ['const a = 1\nconst b = 2\na + b'], expect: { value: 3 } },
  { name: 'an assignment shows the assigned value', cells: ['let x = 1;', 'x = 5'], expect: { value: 5 } },
  { name: 'an expression that is undefined still shows', cells: ['[1, 2].find(n => n > 5)'], expect: { value: undefined } },
  { name: 'a cell with only comments shows nothing', cells: ['// nothing here\n/* still nothing */'], expect: { noValue: true } },
  { name: 'an empty cell shows nothing', cells: [''], expect: { noValue: true } },
  { name: 'a type-only cell shows nothing', cells: ['interface Point { x: number; y: number }\ntype Pair = [number, number];'], expect: { noValue: true } },
  { name: 'an anonymous function is shown without a borrowed name', cells: ['(x: number) => x + 1'], expect: { check: value => assert.strictEqual((value as () => void).name, '') } },
  { name: 'export default of an anonymous function shows the function', cells: ['export default function () { return 9; }'], expect: { check: value => assert.strictEqual((value as () => number)(), 9) } },
  { name: 'a class value can be shown', cells: ['class Shown {}\nShown'], expect: { check: value => assert.strictEqual((value as { name: string }).name, 'Shown') } },

  // --- imports and exports -----------------------------------------------------------------------
  { name: 'namespace import of a node built-in', cells: ["import * as path from 'node:path';\npath.basename('/a/b.txt')"], expect: { value: 'b.txt' } },
  { name: 'default and named import together', cells: ["import fs, { readFileSync } from 'fs';\ntypeof readFileSync === 'function' && fs.readFileSync === readFileSync"], expect: { value: true } },
  { name: 'renamed import', cells: ["import { join as joinPath } from 'node:path';\njoinPath('a', 'b')"], expect: { value: 'a/b' } },
  { name: 'side-effect import', cells: ["import 'virtual:side-effect';", 'sideEffects'], expect: { value: 1 } },
  { name: 'dynamic import', cells: ["const os = await import('node:os');\ntypeof os.platform"], expect: { value: 'function' } },
  { name: 'dynamic import inside a function', cells: ["async function sep() { return (await import('node:path')).sep; }\nawait sep()"], expect: { value: '/' } },
  { name: 'an import used only in a later cell is kept', cells: ["import * as path from 'node:path';", "path.extname('x.ts')"], expect: { value: '.ts' } },
  { name: 'an import can be used before it in the same cell (imports run first)', cells: ["const ext = path.extname('a.md');\nimport * as path from 'node:path';\next"], expect: { value: '.md' } },
  { name: 'export const declares a global', cells: ['export const answer = 42;\nexport function twice(n: number) { return 2 * n; }', 'twice(answer)'], expect: { value: 84 } },
  { name: 'export default evaluates its expression', cells: ['export default 6 * 7;'], expect: { value: 42 } },
  { name: 'strings mentioning import and export are untouched', cells: ["const s = \"import x from 'y'; export const z\";\nconst t = `import(${1})`;\ns + ' | ' + t"], expect: { value: "import x from 'y'; export const z | import(1)" } },

  // --- plain statements --------------------------------------------------------------------------
  { name: 'a later function declaration with the same name wins (sloppy script, not module)', cells: ['function f() { return 1; }\nfunction f() { return 2; }\nf()'], language: 'javascript', expect: { value: 2 } },
  { name: 'labelled loops', cells: ['let pairs = 0;\nouter: for (let i = 0; i < 3; i++) {\n  for (let j = 0; j < 3; j++) {\n    if (j > i) continue outer;\n    pairs++;\n  }\n}\npairs'], expect: { value: 6 } },
  { name: 'regex literals', cells: ["const re = /a+b/g;\n'aab xab'.match(re)!.length + 'x/y'.split(/\\//).length"], expect: { value: 4 } },
  { name: 'a JavaScript cell', cells: ['const xs = [3, 1, 2];\nxs.sort((a, b) => a - b)'], language: 'javascript', expect: { value: [1, 2, 3] } },

  // --- syntax errors, positioned in the cell -------------------------------------------------------
  { name: 'TypeScript syntax error', cells: ['const = 3'], expect: { compileError: /Expected identifier but found "="/, line: 1, column: 6 } },
  { name: 'syntax error below type annotations', cells: ['const a: number = 1;\nconst b: string = "x";\nconst c = a +* 2;'], expect: { compileError: /Unexpected "\*"/, line: 3, column: 13 } },
  // esbuild, like tsc, reports an unterminated string where the line runs out.
  { name: 'JavaScript unterminated string', cells: ['const a = 1;\nlet s = "abc'], language: 'javascript', expect: { compileError: /Unterminated string literal/, line: 2, column: 12 } },
  { name: 'type annotations in a JavaScript cell', cells: ['let n: number = 1;'], language: 'javascript', expect: { compileError: /Expected ";" but found ":"/, line: 1, column: 5 } },
  { name: 'import.meta is reported at compile time', cells: ['const here: string = "x";\nconsole.log(import.meta.url);'], expect: { compileError: /import\.meta/, line: 2, column: 12 } },
  { name: 'top-level return (found by acorn, mapped back through types)', cells: ['const a: number = 1;\nif (a) {\n  return a;\n}'], expect: { compileError: /'return' outside of function/, line: 3, column: 2 } },

  // --- runtime errors, positioned in the cell -------------------------------------------------------
  { name: 'a runtime error keeps its message', cells: ["throw new TypeError('boom');"], expect: { throws: /^boom$/ } },
  { name: 'a throw below type annotations maps to its line and column', cells: ['interface Shape { area(): number }\nconst side: number = 2;\nif (side > 1) throw new RangeError(`side ${side}`);'], expect: { throws: /side 2/, at: { line: 3, column: 20 } } },
  { name: 'a throw after await and hoisted functions maps to its line and column', cells: ['function unused(): void {}\nconst values: Array<number> = [1, 2];\nawait null;\nlet total = 0;\nfor (const v of values) total += v;\n  throw new Error(`total ${total}`);\nfunction alsoUnused<T>(t: T): T { return t; }'], expect: { throws: /total 3/, at: { line: 6, column: 8 } } },
  { name: 'a throw inside a hoisted function maps to its line and column', cells: ['const limit: number = 3;\nfunction check(n: number): void {\n  if (n > limit) {\n    throw new Error(`too big: ${n}`);\n  }\n}\ncheck(5);'], expect: { throws: /too big: 5/, at: { line: 4, column: 10 } } },
  { name: 'a failing import maps to the import statement', cells: ['const a: number = 1;\nimport missing from "no-such-module-for-this-test";'], expect: { throws: /Cannot find module/, at: { line: 2, column: 0 } } },
  { name: 'a failing dynamic import maps to the import call', cells: ['const name: string = "no-such-module-for-this-test";\nconst m = await import(name);'], expect: { throws: /Cannot find module/, at: { line: 2, column: 16 } } },
  { name: 'Windows line endings keep lines apart', cells: ['const n: number = 1;\r\nconst m: number = 2;\r\nif (n < m) throw new Error("crlf");'], expect: { throws: /crlf/, at: { line: 3, column: 17 } } },
  { name: 'a throw from a function defined in an earlier cell', cells: ['const fail = (why: string): never => {\n  throw new Error(why);\n};', 'fail("later")'], expect: { throws: /later/ } },
];

describe('compileCell', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const kernel = new TestKernel();
      const language = testCase.language ?? 'typescript';
      const setup = testCase.cells.slice(0, -1);
      const last = testCase.cells[testCase.cells.length - 1];
      for (const cell of setup) await kernel.run(cell, language);
      const expect = testCase.expect;

      if ('compileError' in expect) {
        assert.throws(() => kernel.compile(last, language), (error: unknown) => {
          assert.ok(error instanceof CompileError, `expected a CompileError, got ${String(error)}`);
          assert.match(error.message, expect.compileError);
          assert.deepStrictEqual({ line: error.line, column: error.column }, { line: expect.line, column: expect.column });
          assert.strictEqual(error.lineText, last.split('\n')[expect.line - 1]);
          return true;
        });
      } else if ('throws' in expect) {
        const { error, at } = await kernel.runExpectingError(last, language);
        assert.match(error.message, expect.throws);
        if (expect.at) assert.deepStrictEqual(at, expect.at);
      } else {
        const result = await kernel.run(last, language);
        if ('noValue' in expect) {
          assert.deepStrictEqual({ ...result }, { hasValue: false });
        } else {
          assert.strictEqual(result.hasValue, true, 'expected the cell to show a value');
          if ('check' in expect) expect.check(result.value);
          else assertShows(result.value, expect.value);
        }
      }
    });
  }

  it('lists the names a cell declares', () => {
    const { declared } = compileCell(
      [
        "import fs, { readFileSync as read } from 'fs';",
        "import * as path from 'node:path';",
        'const { a, b: [c], ...rest } = { a: 1, b: [2] };',
        'let x: number;',
        'var v;',
        'function f() {}',
        'async function* g() {}',
        'class C {}',
        'enum E { A }',
        'namespace N { export const q = 1; }',
        'export const exported = 1;',
        'for (var i = 0; i < 1; i++) {}',
        '{ let blockScoped = 1; }',
        'interface OnlyAType {}',
      ].join('\n'),
      { language: 'typescript', cellName: 'Cell 1' },
    );
    assert.deepStrictEqual(
      [...declared].sort(),
      ['C', 'E', 'N', 'a', 'c', 'exported', 'f', 'fs', 'g', 'i', 'path', 'read', 'rest', 'v', 'x'].sort(),
    );
  });

  it('does not declare esbuild helpers', () => {
    const { declared } = compileCell('function dec(value: unknown, _context: unknown) { return value; }\n@dec class D {}', {
      language: 'typescript',
      cellName: 'Cell 1',
    });
    assert.deepStrictEqual([...declared].sort(), ['D', 'dec']);
  });

  it('emits a sloppy script with no import syntax left', () => {
    const { code } = compileCell("import * as p from 'node:path';\nconst m = await import('node:os');\nexport const z = 1;", {
      language: 'typescript',
      cellName: 'Cell 1',
    });
    assert.doesNotThrow(() => new vm.Script(code));
    assert.ok(!code.includes('use strict'));
    assert.ok(!/\bimport\s*[(*{'"]/.test(code), code);
  });

  it('maps generated glue to null', () => {
    const compiled = compileCell('const a = 1;\na', { language: 'typescript', cellName: 'Cell 1' });
    // Line 1 is the script-level `var a;` the compiler adds.
    assert.strictEqual(compiled.originalPosition(1, 0), null);
  });
});
