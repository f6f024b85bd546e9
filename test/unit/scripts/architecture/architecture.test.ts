/**
 * The layering of docs/architecture.md, read from the sources: no back edge up the table in
 * scripts/architecture/layering.ts (type-only imports count), no import cycle among files
 * (dynamic import() counts too), and the CLI imports only the package's public faces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGraph, readSources } from '../../../../scripts/architecture/graph.js';
import { checkArchitecture, describeBackEdge, describeCliImport } from '../../../../scripts/architecture/check.js';
import { LAYERS, publicFaces } from '../../../../scripts/architecture/layering.js';
import { KNOWN_BACK_EDGES } from '../../../../scripts/architecture/known.js';

// dist/test/unit/scripts/architecture/architecture.test.js -> the repository root (the .ts sources, not dist).
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');
const graph = buildGraph(readSources(root));
const report = checkArchitecture(graph, { layers: LAYERS, publicFaces: publicFaces(root) });

test('reads the sources and resolves every relative import', () => {
  assert.ok(graph.files.size > 100, `only ${graph.files.size} files under ${root}/src`);
  assert.ok(graph.edges.length > graph.files.size);
  assert.deepEqual(
    graph.unresolved.map((e) => `${e.from}:${e.line}: ${e.to}`),
    [],
  );
});

test('every file of src/ has a row in the layering table', () => {
  assert.deepEqual(report.unranked, []);
});

test('no import goes up the layering table (beyond the known, listed ones)', () => {
  const known = (from: string, to: string) =>
    KNOWN_BACK_EDGES.find((k) => from.startsWith(k.from) && to.startsWith(k.to));
  const unexpected = report.backEdges.filter((b) => !known(b.edge.from, b.edge.to));
  assert.deepEqual(unexpected.map(describeBackEdge), []);
  const stale = KNOWN_BACK_EDGES.filter(
    (k) => !report.backEdges.some((b) => b.edge.from.startsWith(k.from) && b.edge.to.startsWith(k.to)),
  );
  assert.deepEqual(
    stale.map((k) => `fixed, remove from scripts/architecture/known.ts: ${k.from} -> ${k.to}`),
    [],
  );
});

test('no import cycle among files', () => {
  assert.deepEqual(
    report.cycles.map((c) => c.join(' -> ')),
    [],
  );
});

test('the CLI imports only public faces (src/index.ts, package.json exports) and its own files', () => {
  const faces = publicFaces(root);
  assert.ok(faces.has('src/index.ts'));
  for (const face of faces) assert.ok(graph.files.has(face), `package.json exports ${face}, which does not exist`);
  assert.deepEqual(report.cliPrivate.map(describeCliImport), []);
});
