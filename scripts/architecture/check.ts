/**
 * The rules of docs/architecture.md, checked on an import graph: imports go down the layering table
 * (type-only imports too), no file imports itself through others, and the CLI reaches the library
 * only through its public faces (src/index.ts and package.json's subpath exports).
 */
import type { ImportEdge, ImportGraph } from './graph.js';
import type { Layer } from './layering.js';

export interface BackEdge {
  edge: ImportEdge;
  fromLayer: Layer;
  toLayer: Layer;
}

export interface ArchitectureReport {
  /** Files no row of the layering table covers: a new folder needs a rank. */
  unranked: string[];
  backEdges: BackEdge[];
  /** Each cycle as its files, in import order, starting at the smallest path. */
  cycles: string[][];
  /** CLI imports of anything but a public face or another CLI file. */
  cliPrivate: ImportEdge[];
}

export interface ArchitectureRules {
  layers: readonly Layer[];
  /** Files the CLI may import: src/index.ts and the subpath entry points. */
  publicFaces: ReadonlySet<string>;
  /** Prefix of the CLI's files. */
  cliPrefix?: string;
}

/** The table row covering a `src/...` path: the longest matching prefix. */
export function layerOf(path: string, layers: readonly Layer[]): Layer | undefined {
  const rel = path.replace(/^src\//, '');
  let best: Layer | undefined;
  let bestLength = -1;
  for (const layer of layers) {
    for (const prefix of layer.paths) {
      const matches = prefix.endsWith('/') ? rel.startsWith(prefix) : rel === prefix;
      if (matches && prefix.length > bestLength) {
        best = layer;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

/** An import is allowed within a row, or to a row of strictly lower rank; equal ranks are peers. */
export function backEdges(edges: readonly ImportEdge[], layers: readonly Layer[]): BackEdge[] {
  const found: BackEdge[] = [];
  for (const edge of edges) {
    const fromLayer = layerOf(edge.from, layers);
    const toLayer = layerOf(edge.to, layers);
    if (!fromLayer || !toLayer || fromLayer === toLayer) continue;
    if (toLayer.rank >= fromLayer.rank) found.push({ edge, fromLayer, toLayer });
  }
  return found;
}

/** Strongly connected components of more than one file (or a file importing itself), Tarjan's way. */
export function importCycles(files: Iterable<string>, edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const file of files) next.set(file, []);
  for (const edge of edges) next.get(edge.from)?.push(edge.to);
  for (const targets of next.values()) targets.sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const target of next.get(file) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfLoop = component.length === 1 && (next.get(file) ?? []).includes(file);
    if (component.length > 1 || selfLoop) components.push(orderCycle(component, next));
  };
  for (const file of [...next.keys()].sort()) if (!index.has(file)) connect(file);
  return components.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** A component's files from its smallest path, following imports inside it where it can. */
function orderCycle(component: string[], next: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...members].sort()[0]!;
  const ordered = [start];
  const seen = new Set(ordered);
  let current = start;
  for (;;) {
    const step = (next.get(current) ?? []).find((t) => members.has(t) && !seen.has(t));
    if (!step) break;
    ordered.push(step);
    seen.add(step);
    current = step;
  }
  for (const rest of [...members].sort()) if (!seen.has(rest)) ordered.push(rest);
  return ordered;
}

export function cliPrivateImports(edges: readonly ImportEdge[], rules: ArchitectureRules): ImportEdge[] {
  const cli = rules.cliPrefix ?? 'src/cli/';
  return edges.filter((e) => e.from.startsWith(cli) && !e.to.startsWith(cli) && !rules.publicFaces.has(e.to));
}

export function checkArchitecture(graph: ImportGraph, rules: ArchitectureRules): ArchitectureReport {
  return {
    unranked: [...graph.files.keys()].filter((f) => !layerOf(f, rules.layers)),
    backEdges: backEdges(graph.edges, rules.layers),
    cycles: importCycles(graph.files.keys(), graph.edges),
    cliPrivate: cliPrivateImports(graph.edges, rules),
  };
}

export function describeBackEdge({ edge, fromLayer, toLayer }: BackEdge): string {
  const how = toLayer.rank === fromLayer.rank ? 'peer' : 'back edge';
  return (
    `${edge.from}:${edge.line}: ${how} (${edge.kind}) ${fromLayer.name} (rank ${fromLayer.rank}) -> ` +
    `${toLayer.name} (rank ${toLayer.rank}): ${edge.to}`
  );
}

export function describeCliImport(edge: ImportEdge): string {
  return `${edge.from}:${edge.line}: CLI imports private ${edge.to} (${edge.kind}); export it from a public face`;
}

/** One line per problem, empty when the rules hold. */
export function describeReport(report: ArchitectureReport): string[] {
  return [
    ...report.unranked.map((f) => `${f}: no row of the layering table covers it`),
    ...report.backEdges.map(describeBackEdge),
    ...report.cycles.map((c) => `cycle: ${c.join(' -> ')} -> ${c[0]}`),
    ...report.cliPrivate.map(describeCliImport),
  ];
}
