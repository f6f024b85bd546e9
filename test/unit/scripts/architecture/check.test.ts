/** The architecture checker itself, on tiny synthetic source sets: each rule catches its break. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, importsOf } from '../../../../scripts/architecture/graph.js';
import { checkArchitecture, describeReport, type ArchitectureRules } from '../../../../scripts/architecture/check.js';
import type { Layer } from '../../../../scripts/architecture/layering.js';

const layers: Layer[] = [
  { name: 'base', rank: 0, paths: ['base.ts'], why: '' },
  { name: 'model', rank: 1, paths: ['model/'], why: '' },
  { name: 'stage', rank: 2, paths: ['stage/'], why: '' },
  { name: 'peer', rank: 2, paths: ['peer/'], why: '' },
  { name: 'library', rank: 3, paths: ['index.ts'], why: '' },
  { name: 'cli', rank: 4, paths: ['cli/'], why: '' },
];
const rules: ArchitectureRules = { layers, publicFaces: new Set(['src/index.ts', 'src/model/index.ts']) };

/** A clean set: every rule holds. */
const clean: Record<string, string> = {
  'src/base.ts': 'export const x = 1;\n',
  'src/model/index.ts': "export { m } from './m.js';\n",
  'src/model/m.ts': "import { x } from '../base.js';\nexport const m = x;\n",
  'src/stage/s.ts': "import type { m } from '../model/m.js';\nexport const s = 2;\n",
  'src/peer/p.ts': "import { m } from '../model/index.js';\nexport const p = m;\n",
  'src/index.ts': "export { s } from './stage/s.js';\nexport const later = () => import('./peer/p.js');\n",
  'src/cli/main.ts':
    "import { s } from '../index.js';\nimport { m } from '../model/index.js';\nimport { run } from './run.js';\n",
  'src/cli/run.ts': 'export const run = 1;\n',
};

const check = (changes: Record<string, string>) =>
  checkArchitecture(buildGraph(new Map(Object.entries({ ...clean, ...changes }))), rules);

test('a clean set passes every rule', () => {
  assert.deepEqual(describeReport(check({})), []);
});

test('finds imports of every form with their lines and kinds', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from './b.js';",
    "import { type C, type D } from './c.js';",
    "export * from './e.js';",
    "export type { F } from './f.js';",
    'let g: import("./g.js").G;',
    "const h = await import('./h.js');",
    "import './i.js';",
  ].join('\n');
  assert.deepEqual(
    importsOf('src/x.ts', text).map((i) => `${i.line} ${i.kind} ${i.specifier}`),
    [
      '1 value ./a.js',
      '2 type ./b.js',
      '3 type ./c.js',
      '4 value ./e.js',
      '5 type ./f.js',
      '6 type ./g.js',
      '7 dynamic ./h.js',
      '8 value ./i.js',
    ],
  );
});

test('a back edge, type-only too, is named by file:line and both rows', () => {
  const report = check({
    'src/model/m.ts':
      "import { x } from '../base.js';\n\nimport type { T } from '../stage/t.js';\nexport const m = x;\n",
    'src/stage/t.ts': 'export type T = 1;\n',
  });
  assert.deepEqual(describeReport(report), [
    'src/model/m.ts:3: back edge (type) model (rank 1) -> stage (rank 2): src/stage/t.ts',
  ]);
});

test('peers of equal rank import neither way', () => {
  const report = check({ 'src/stage/s.ts': "import { p } from '../peer/p.js';\nexport const s = p;\n" });
  assert.deepEqual(describeReport(report), [
    'src/stage/s.ts:1: peer (value) stage (rank 2) -> peer (rank 2): src/peer/p.ts',
  ]);
});

test('a cycle is reported as its files, a dynamic import closing it too', () => {
  const report = check({
    'src/stage/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
    'src/stage/b.ts': "import type { C } from './c.js';\nexport const b = 1;\n",
    'src/stage/c.ts': "export type C = 1;\nexport const load = () => import('./a.js');\n",
  });
  assert.deepEqual(report.cycles, [['src/stage/a.ts', 'src/stage/b.ts', 'src/stage/c.ts']]);
  assert.deepEqual(describeReport(report), [
    'cycle: src/stage/a.ts -> src/stage/b.ts -> src/stage/c.ts -> src/stage/a.ts',
  ]);
});

test('a file importing itself is a cycle', () => {
  const report = check({ 'src/stage/s.ts': "import { s as t } from './s.js';\nexport const s = 2;\n" });
  assert.deepEqual(report.cycles, [['src/stage/s.ts']]);
});

test('the CLI importing a private module is caught; public faces and its own files are not', () => {
  const report = check({ 'src/cli/run.ts': "export const run = () => import('../stage/s.js');\n" });
  assert.deepEqual(describeReport(report), [
    'src/cli/run.ts:1: CLI imports private src/stage/s.ts (dynamic); export it from a public face',
  ]);
});

test('a file no row covers is reported, so a new folder needs a rank', () => {
  const report = check({ 'src/newstage/n.ts': 'export const n = 1;\n' });
  assert.deepEqual(describeReport(report), ['src/newstage/n.ts: no row of the layering table covers it']);
});
