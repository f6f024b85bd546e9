/**
 * One screen on the shape of pith's sources, for closing notes and reviews:
 *   node dist/scripts/import-graph.js [REPO_DIR] [--list]
 * files, lines, import edges (value / type-only / dynamic), back edges up the layering table,
 * file cycles, CLI imports of private modules, files over 400 lines, functions over 60 lines.
 * REPO_DIR defaults to this checkout; --list prints every finding, not just the counts.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { buildGraph, readSources } from './architecture/graph.js';
import { checkArchitecture, describeBackEdge, describeCliImport } from './architecture/check.js';
import { LAYERS, publicFaces } from './architecture/layering.js';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (
    parent &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
  ) {
    return parent.name.getText(source);
  }
  return '(anonymous)';
}

/** Every function, method, constructor, accessor and arrow longer than `max` lines. */
export function longFunctions(file: string, text: string, max = MAX_FUNCTION_LINES): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > max)
        found.push({ file, line: start + 1, name: functionName(node, source), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function summarize(root: string, list: boolean): string[] {
  const graph = buildGraph(readSources(root));
  const faces = existsSync(join(root, 'package.json')) ? publicFaces(root) : new Set(['src/index.ts']);
  const report = checkArchitecture(graph, { layers: LAYERS, publicFaces: faces });
  const kinds = { value: 0, type: 0, dynamic: 0 };
  for (const edge of graph.edges) kinds[edge.kind]++;
  let lines = 0;
  const bigFiles: string[] = [];
  const longOnes: LongFunction[] = [];
  for (const [file, text] of graph.files) {
    const count = lineCount(text);
    lines += count;
    if (count > MAX_FILE_LINES) bigFiles.push(`${file} (${count})`);
    longOnes.push(...longFunctions(file, text));
  }
  const folders = new Set([...graph.files.keys()].map((f) => f.split('/').slice(0, 2).join('/')));
  const out = [
    `import graph of ${root}/src`,
    `  files                    ${graph.files.size} (${folders.size} top-level folders and files)`,
    `  lines                    ${lines}`,
    `  import edges             ${graph.edges.length} (value ${kinds.value}, type-only ${kinds.type}, dynamic ${kinds.dynamic})`,
    `  back edges               ${report.backEdges.length}${report.unranked.length ? ` (+${report.unranked.length} files in no row)` : ''}`,
    `  cycles                   ${report.cycles.length} (${report.cycles.reduce((n, c) => n + c.length, 0)} files)`,
    `  CLI private imports      ${report.cliPrivate.length} (${new Set(report.cliPrivate.map((e) => e.to)).size} modules)`,
    `  files over ${MAX_FILE_LINES} lines      ${bigFiles.length}`,
    `  functions over ${MAX_FUNCTION_LINES} lines   ${longOnes.length}`,
  ];
  if (!list) return out;
  const section = (title: string, items: string[]) =>
    items.length ? [``, `${title}:`, ...items.map((i) => `  ${i}`)] : [];
  return [
    ...out,
    ...section('back edges', report.backEdges.map(describeBackEdge)),
    ...section(
      'cycles',
      report.cycles.map((c) => c.join(' -> ')),
    ),
    ...section('CLI private imports', report.cliPrivate.map(describeCliImport)),
    ...section(`files over ${MAX_FILE_LINES} lines`, bigFiles),
    ...section(
      `functions over ${MAX_FUNCTION_LINES} lines`,
      longOnes.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines})`),
    ),
  ];
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  // dist/scripts/import-graph.js -> the repository root
  const root = resolve(
    args.find((a) => !a.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  );
  process.stdout.write(`${summarize(root, args.includes('--list')).join('\n')}\n`);
}
