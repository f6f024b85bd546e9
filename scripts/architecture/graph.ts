/**
 * pith's import graph, read from the TypeScript sources (not dist): every relative import, export-from,
 * `import('...')` call and `import('...')` type, resolved to a file under src/, with its line and
 * whether it is type-only or dynamic. The architecture test and scripts/import-graph.ts share it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import ts from 'typescript';

export type EdgeKind = 'value' | 'type' | 'dynamic';

export interface ImportEdge {
  /** Paths relative to the repository root, `src/...ts`. */
  from: string;
  to: string;
  line: number;
  kind: EdgeKind;
}

export interface ImportGraph {
  /** Every source file (repo-relative path) with its text. */
  files: Map<string, string>;
  edges: ImportEdge[];
  /** Relative imports that name no file under the source set (a typo, or a file outside src/). */
  unresolved: ImportEdge[];
}

/** Reads every `.ts` file under `<root>/src` (not `.d.ts`), keyed by `src/...` path. */
export function readSources(root: string, dir = 'src'): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    const entries = readdirSync(posix.join(root, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.set(path, readFileSync(posix.join(root, path), 'utf8'));
      }
    }
  };
  walk(dir);
  return files;
}

interface RawImport {
  specifier: string;
  line: number;
  kind: EdgeKind;
}

/** `import type {...}`, `export type {...}`, or every named binding marked `type`. */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return (
      !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)
    );
  }
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    !!bindings &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** Every module specifier a file names, with its 1-based line. */
export function importsOf(path: string, text: string): RawImport[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: RawImport[] = [];
  const add = (literal: ts.Node, kind: EdgeKind): void => {
    if (!ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ specifier: literal.text, line, kind });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(node.moduleSpecifier, isTypeOnly(node) ? 'type' : 'value');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      add(node.arguments[0], 'dynamic');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `./x.js` from `src/a/b.ts` -> `src/a/x.ts` (or `.../x/index.ts`), if that file is in the set. */
export function resolveSpecifier(
  from: string,
  specifier: string,
  files: ReadonlyMap<string, string>,
): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const stem = target.replace(/\.(js|ts|mjs|mts)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.mts`, `${target}/index.ts`, `${stem}/index.ts`]) {
    if (files.has(candidate)) return candidate;
  }
  return undefined;
}

export function buildGraph(files: Map<string, string>): ImportGraph {
  const edges: ImportEdge[] = [];
  const unresolved: ImportEdge[] = [];
  for (const [from, text] of files) {
    for (const raw of importsOf(from, text)) {
      if (!raw.specifier.startsWith('.')) continue; // node: builtins and packages
      const to = resolveSpecifier(from, raw.specifier, files);
      const edge = { from, to: to ?? raw.specifier, line: raw.line, kind: raw.kind };
      (to ? edges : unresolved).push(edge);
    }
  }
  return { files, edges, unresolved };
}
