#!/usr/bin/env node
// Runs node's test runner on exactly the compiled *.test.js files under the given directories
// (Node 20 takes no globs, and its directory mode would also run every helper under test/).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
};
for (const dir of dirs.length ? dirs : ['dist/test']) {
  if (statSync(dir).isDirectory()) walk(dir);
  else files.push(dir);
}
if (files.length === 0) {
  console.error('run-tests: no test files found (did tsc run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...flags, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
