/**
 * Lists the files of src/ that no test imports directly (issue 13: "N of M source files are
 * imported by no test"). A file reached only through another module, or only through the CLI
 * in a subprocess, counts as untested here: the point is to find modules without a test of
 * their own. By default every file under test/ counts as a test (helpers too); with
 * --tests-only, only *.test.ts files do.
 *
 *   npm run build && node dist/scripts/untested-files.js [--tests-only] [--count]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const testsOnly = process.argv.includes('--tests-only');
const countOnly = process.argv.includes('--count');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative specifiers of static imports, re-exports and dynamic import() calls. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm))
    out.push(m[1]!);
  return out;
}

const sources = tsFiles(join(root, 'src')).map((f) => relative(root, f));
const tests = tsFiles(join(root, 'test')).filter((f) => !testsOnly || f.endsWith('.test.ts'));
const imported = new Set<string>();
for (const test of tests) {
  for (const spec of importsOf(test))
    imported.add(relative(root, resolve(dirname(test), spec.replace(/\.js$/, '.ts'))));
}
const untested = sources.filter((f) => !imported.has(f)).sort();
if (countOnly)
  console.log(
    `${untested.length} of ${sources.length} source files are imported by no ${testsOnly ? 'test file' : 'file under test/'}`,
  );
else for (const f of untested) console.log(f);
