// Compiles one notebook cell (TypeScript or JavaScript) into a script for the kernel's single, shared
// vm context, with REPL semantics:
//   - esbuild strips types; acorn parses its output; magic-string rewrites it, keeping a source map;
//   - top-level declarations become assignments to script-level `var`s, so they live on the context's
//     global object, later cells see them and running a cell twice never hits "already declared";
//   - the rest runs in an async arrow for top-level `await`, which resolves to the last expression's value.
// Never imports `vscode`: this runs in the kernel process.
import { transformSync, type Message } from 'esbuild';
import { getLineInfo, parse, type AnyNode, type Node, type Pattern, type Program, type VariableDeclaration } from 'acorn';
import { MagicString } from 'magic-string';
import { TraceMap } from '@jridgewell/trace-mapping';
import { traceToSource, traceTranspiledNearest, type SourcePosition } from './sourceMap';

export interface CompiledCell {
  /** JS for vm.Script. Evaluating it returns a Promise<{ hasValue: boolean; value?: unknown }>. */
  code: string;
  /** Names declared at the cell's top level (const/let/var incl. destructuring, function, class, enum, imports). */
  declared: string[];
  /**
   * Map a position in `code` (line 1-based, column 0-based; V8 columns are 1-based, the caller subtracts 1)
   * to the cell source. null when it maps to generated glue.
   */
  originalPosition(line: number, column: number): { line: number; column: number } | null;
}

export interface CompileOptions {
  language: 'typescript' | 'javascript';
  /** The vm.Script filename; esbuild also names the cell with it in its messages. */
  cellName: string;
}

/** A syntax error in the cell, positioned in the cell source. */
export class CompileError extends Error {
  override readonly name = 'SyntaxError';

  constructor(
    message: string,
    /** 1-based. */
    readonly line: number,
    /** 0-based, in UTF-16 code units. */
    readonly column: number,
    /** The whole source line the error is on. */
    readonly lineText: string,
  ) {
    super(message);
  }
}

/** The global the kernel's executor provides: `(specifier) => Promise<namespace with .default>`. */
const IMPORT_FUNCTION = '__cnb_import';

export function compileCell(source: string, options: CompileOptions): CompiledCell {
  // Node REPL trick: `{ a: 1 }` alone is a block with a label; show it as the object the user meant.
  const objectLiteral = looksLikeObjectLiteral(source) ? tryTranspile(`(${source}\n)`, options) : undefined;
  const transpiled = objectLiteral ?? transpile(source, options);
  // The `(` we added shifts line 1 one column to the right.
  const toCell = (p: SourcePosition): SourcePosition =>
    objectLiteral && p.line === 1 ? { line: 1, column: Math.max(0, p.column - 1) } : p;

  const transpileMap = new TraceMap(transpiled.map);
  // Errors found in esbuild's output: position them in the cell, as esbuild's own are.
  const errorAt = (message: string, offset: number): CompileError => {
    const at = toCell(traceTranspiledNearest(transpileMap, getLineInfo(transpiled.code, offset)));
    return new CompileError(message, at.line, at.column, source.split(/\r\n|\r|\n/)[at.line - 1] ?? '');
  };
  const program = parseTranspiled(transpiled.code, errorAt);
  const rewritten = new CellRewriter(transpiled.code, identifierWords(source), errorAt).rewrite(program);
  const rewriteMap = new TraceMap(rewritten.map);

  return {
    code: rewritten.code,
    declared: rewritten.declared,
    originalPosition(line, column) {
      const position = traceToSource(rewriteMap, transpileMap, { line, column });
      return position && toCell(position);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Transpiling and parsing

interface Transpiled {
  code: string;
  map: string;
}

function transpile(source: string, options: CompileOptions): Transpiled {
  try {
    const result = transformSync(source, {
      loader: options.language === 'typescript' ? 'ts' : 'js',
      sourcefile: options.cellName,
      sourcemap: 'external',
      // The kernel runs what it compiles, so lower exactly what this Node lacks (decorators, `using`),
      // which acorn could not parse either. No `format`: import/export/top-level await stay as written.
      target: `node${process.versions.node}`,
      charset: 'utf8',
      // Keep imports this cell does not use: a later cell may (`import type` is still erased).
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
    return { code: result.code, map: result.map };
  } catch (error) {
    throw compileErrorFromEsbuild(error);
  }
}

function tryTranspile(source: string, options: CompileOptions): Transpiled | undefined {
  try {
    return transpile(source, options);
  } catch {
    return undefined;
  }
}

function looksLikeObjectLiteral(source: string): boolean {
  const trimmed = source.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}');
}

function compileErrorFromEsbuild(error: unknown): unknown {
  const errors = (error as { errors?: Message[] } | null)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (!first) return error;
  const location = first.location;
  if (!location) return new CompileError(first.text, 1, 0, '');
  return new CompileError(first.text, location.line, utf16Column(location.lineText, location.column), location.lineText);
}

/** esbuild counts columns in UTF-8 bytes; editors and source maps count UTF-16 code units. */
function utf16Column(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8').length;
}

/**
 * Cells run as sloppy scripts, so parse as one (duplicate function declarations, `with`, octal literals
 * are fine there); only import/export need module parsing, which is strict.
 */
function parseTranspiled(code: string, errorAt: (message: string, offset: number) => CompileError): Program {
  const asScript = tryParse(code, 'script');
  if ('program' in asScript) return asScript.program;
  const asModule = tryParse(code, 'module');
  if ('program' in asModule) return asModule.program;
  // The parse that got further found the real mistake; the other stopped at an import or a sloppy construct.
  const error = asScript.error.pos > asModule.error.pos ? asScript.error : asModule.error;
  // acorn appends " (line:column)" of its own input, which is not the cell's.
  throw errorAt(error.message.replace(/ \(\d+:\d+\)$/, ''), error.pos);
}

type ParseResult = { program: Program } | { error: SyntaxError & { pos: number } };

function tryParse(code: string, sourceType: 'script' | 'module'): ParseResult {
  try {
    const program = parse(code, { ecmaVersion: 'latest', sourceType, allowAwaitOutsideFunction: true, allowReturnOutsideFunction: false });
    return { program };
  } catch (error) {
    if (error instanceof SyntaxError && typeof (error as { pos?: unknown }).pos === 'number') {
      return { error: error as SyntaxError & { pos: number } };
    }
    throw error;
  }
}

/**
 * Every identifier-like word of the cell source. esbuild's own names (`__decorateElement`, `_init`,
 * `E2`) are chosen not to clash with the cell's, so a declared name missing here is esbuild glue.
 */
function identifierWords(source: string): Set<string> {
  return new Set(source.match(/[\p{ID_Continue}$\u200c\u200d]+/gu) ?? []);
}

// ---------------------------------------------------------------------------------------------------
// Rewriting esbuild's output

interface Rewritten {
  code: string;
  map: string;
  declared: string[];
}

/** What the cell evaluates to: the source range of its last expression. */
interface ValueRange {
  start: number;
  end: number;
}

type ImportDeclarationNode = Extract<AnyNode, { type: 'ImportDeclaration' }>;
type TopLevelItem = Program['body'][number];

class CellRewriter {
  private readonly out: MagicString;
  private readonly declared = new Set<string>();
  /** Imports and function declarations, in source order, to run before the rest of the cell. */
  private readonly hoisted: Node[] = [];
  private importCount = 0;

  constructor(
    private readonly js: string,
    private readonly sourceWords: Set<string>,
    private readonly errorAt: (message: string, offset: number) => CompileError,
  ) {
    this.out = new MagicString(js);
  }

  rewrite(program: Program): Rewritten {
    const values = new Map<TopLevelItem, ValueRange>();
    for (const statement of program.body) {
      const value = this.rewriteTopLevel(statement, program);
      if (value) values.set(statement, value);
    }
    // Only the last statement's value counts; a declaration or loop after it means "no value".
    const last = program.body.filter(s => s.type !== 'EmptyStatement').at(-1);
    const value = last && this.isUserExpression(last) ? values.get(last) : undefined;
    if (value) this.returnValue(value);
    this.hoistToTop();

    const names = [...this.declared];
    const declarations = names.length > 0 ? `var ${names.join(', ')};\n` : '';
    this.out.prepend(`${declarations}(async () => {\n`);
    this.out.append(value ? '\n})();\n' : '\nreturn { hasValue: false };\n})();\n');
    return { code: this.out.toString(), map: this.out.generateMap({ hires: true }).toString(), declared: names };
  }

  /** Rewrites one statement of the program; returns its value range when it is an expression. */
  private rewriteTopLevel(statement: TopLevelItem | Node, program: Program): ValueRange | undefined {
    const node = statement as AnyNode;
    switch (node.type) {
      case 'ImportDeclaration':
        this.rewriteImport(node);
        return undefined;
      case 'ExportNamedDeclaration':
        if (!node.declaration) {
          this.out.remove(node.start, node.end); // `export { a }`: nothing to run
          return undefined;
        }
        this.out.remove(node.start, node.declaration.start);
        return this.rewriteTopLevel(node.declaration, program);
      case 'ExportAllDeclaration':
        this.out.remove(node.start, node.end);
        return undefined;
      case 'ExportDefaultDeclaration': {
        const declaration = node.declaration;
        this.out.remove(node.start, declaration.start);
        if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
          return this.rewriteTopLevel(declaration, program);
        }
        // `export default {…}` / `export default function () {}`: parenthesize, or it would parse as a block or a declaration.
        this.out.prependRight(declaration.start, '(');
        this.out.appendLeft(declaration.end, ')');
        // After the `) }` that returnValue may add at the same index, hence appendRight.
        if (this.js[node.end - 1] !== ';') this.out.appendRight(node.end, ';');
        this.visit(declaration, node, false);
        return { start: declaration.start, end: declaration.end };
      }
      case 'ExpressionStatement': {
        this.visit(node, program, false);
        const hasSemicolon = this.js[node.end - 1] === ';';
        return { start: node.start, end: hasSemicolon ? node.end - 1 : node.end };
      }
      default:
        this.visit(node, program, false);
        return undefined;
    }
  }

  /** Rewrites dynamic imports anywhere, and declarations that belong to the cell's top-level scope. */
  private visit(node: AnyNode, parent: AnyNode, insideFunction: boolean): void {
    const atTopLevel = parent.type === 'Program';
    switch (node.type) {
      case 'ImportExpression':
        // vm scripts have no module loader: `import(x)` would throw "invalid host defined options".
        this.out.overwrite(node.start, node.start + 'import'.length, IMPORT_FUNCTION);
        break;
      case 'MetaProperty':
        // A vm script would only fail later, with no position, in "Cannot use 'import.meta' outside a module".
        if (node.meta.name === 'import') throw this.errorAt('import.meta is not available in notebook cells', node.start);
        break;
      case 'VariableDeclaration': {
        const hoistable = node.kind === 'var' ? !insideFunction : atTopLevel && node.kind !== 'using' && node.kind !== 'await using';
        const forInOfHead = (parent.type === 'ForInStatement' || parent.type === 'ForOfStatement') && parent.left === node;
        if (hoistable) this.declareVariables(node, forInOfHead);
        break;
      }
      case 'FunctionDeclaration':
        if (atTopLevel && node.id) {
          this.declare(node.id.name);
          this.out.prependRight(node.start, `${node.id.name} = `);
          this.out.appendLeft(node.end, ';\n');
          this.hoisted.push(node);
        }
        break;
      case 'ClassDeclaration':
        if (atTopLevel && node.id) {
          // Assigned in place: unlike functions, classes are not usable before their declaration.
          this.declare(node.id.name);
          this.out.prependRight(node.start, `${node.id.name} = `);
          this.out.appendLeft(node.end, ';');
        }
        break;
    }
    const entersFunction = insideFunction || isFunctionScope(node);
    for (const child of childNodes(node)) this.visit(child, node, entersFunction);
  }

  /**
   * `const a = 1, { b } = o;` becomes `a = 1, ({ b } = o);`, an expression that assigns the globals.
   * A `let`/`const` without initializer resets to undefined; a `var` without one keeps the old value,
   * as a real `var` redeclaration does.
   */
  private declareVariables(declaration: VariableDeclaration, forInOfHead: boolean): void {
    const names = declaration.declarations.flatMap(d => patternNames(d.id));
    // esbuild's helpers (`var __defProp = …`, `var _init;`) stay local to this cell's run.
    if (!names.some(name => this.sourceWords.has(name))) return;
    names.forEach(name => this.declare(name));

    const declarators = declaration.declarations;
    if (forInOfHead) {
      this.out.remove(declaration.start, declarators[0].start); // `for (var x of xs)` -> `for (x of xs)`
      return;
    }
    const end = declarators[declarators.length - 1].end;
    const assigned = declarators.filter(d => d.init || declaration.kind !== 'var');
    if (assigned.length === 0) {
      this.out.remove(declaration.start, end); // leaves `;`, an empty statement, valid wherever the declaration was
      return;
    }
    this.out.remove(declaration.start, assigned[0].start);
    assigned.forEach((declarator, i) => {
      if (declarator.id.type !== 'Identifier') {
        // `{ b } = o` at the start of a statement would be a block.
        this.out.prependRight(declarator.start, '(');
        this.out.appendLeft(declarator.end, ')');
      }
      if (!declarator.init) this.out.appendLeft(declarator.end, ' = void 0');
      const next = assigned[i + 1];
      this.out.remove(declarator.end, next ? next.start : end);
      if (next) this.out.appendLeft(declarator.end, ', ');
    });
  }

  /** `import d, { a as b } from 'm'` -> `const __cnb_m0 = await __cnb_import("m"); d = __cnb_m0.default; b = __cnb_m0.a;` */
  private rewriteImport(node: ImportDeclarationNode): void {
    const moduleVar = `__cnb_m${this.importCount++}`;
    const attributes = node.attributes.map(a => `${JSON.stringify(propertyName(a.key))}: ${JSON.stringify(a.value.value)}`);
    const options = attributes.length > 0 ? `, { with: { ${attributes.join(', ')} } }` : '';
    const parts = [`const ${moduleVar} = await ${IMPORT_FUNCTION}(${JSON.stringify(node.source.value)}${options});`];
    for (const specifier of node.specifiers) {
      const local = specifier.local.name;
      this.declare(local);
      if (specifier.type === 'ImportNamespaceSpecifier') parts.push(`${local} = ${moduleVar};`);
      else if (specifier.type === 'ImportDefaultSpecifier') parts.push(`${local} = ${moduleVar}.default;`);
      else parts.push(`${local} = ${moduleVar}${propertyAccess(specifier.imported)};`);
    }
    this.out.overwrite(node.start, node.end, parts.join(' ') + '\n');
    this.hoisted.push(node);
  }

  /** Module code runs imports first and can call functions before their declaration; so does a cell. */
  private hoistToTop(): void {
    let previous: Node | undefined;
    for (const node of this.hoisted) {
      if (previous) this.out.move(node.start, node.end, previous.end, 'left'); // keep source order
      else if (node.start > 0) this.out.move(node.start, node.end, 0);
      previous = node;
    }
  }

  private returnValue(value: ValueRange): void {
    // `(0, …)`: a bare `value: () => 1` would name the arrow "value".
    this.out.prependRight(value.start, 'return { hasValue: true, value: (0, ');
    this.out.appendLeft(value.end, ') }');
  }

  /**
   * An expression statement the user wrote, not esbuild glue such as the `__runInitializers(_init, 1, C);`
   * that ends a decorated class.
   */
  private isUserExpression(statement: TopLevelItem): boolean {
    const node = statement as AnyNode;
    if (node.type === 'ExportDefaultDeclaration') return true;
    if (node.type !== 'ExpressionStatement') return false;
    const expression = node.expression.type === 'AssignmentExpression' ? node.expression.right : node.expression;
    return !(expression.type === 'CallExpression' && expression.callee.type === 'Identifier'
      && !this.sourceWords.has(expression.callee.name));
  }

  private declare(name: string): void {
    this.declared.add(name);
  }
}

function isFunctionScope(node: AnyNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression'
    || node.type === 'ArrowFunctionExpression' || node.type === 'StaticBlock';
}

function childNodes(node: AnyNode): AnyNode[] {
  const children: AnyNode[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) children.push(item);
    } else if (isNode(value)) {
      children.push(value);
    }
  }
  return children;
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap(p => patternNames(p.type === 'RestElement' ? p.argument : p.value));
    case 'ArrayPattern':
      return pattern.elements.flatMap(e => (e ? patternNames(e) : []));
    case 'RestElement':
      return patternNames(pattern.argument);
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    default:
      return []; // member expressions only occur in assignment targets, not declarations
  }
}

type ImportedName = { type: 'Identifier'; name: string } | { type: 'Literal'; value?: unknown };

function propertyName(key: ImportedName): string {
  return key.type === 'Identifier' ? key.name : String(key.value);
}

/** `.a` for `import { a }`, `["a-b"]` for `import { "a-b" as c }`. */
function propertyAccess(key: ImportedName): string {
  return key.type === 'Identifier' ? `.${key.name}` : `[${JSON.stringify(key.value)}]`;
}
