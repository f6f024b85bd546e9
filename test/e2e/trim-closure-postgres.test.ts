/**
 * trim: closure leaves PostgreSQL's JIT provider out (llvmjit.so, and with it libLLVM and libz3:
 * most of the image) because the server handles its absence by design: it checks that the
 * provider file exists before loading it and disables JIT for the session when it does not. Real
 * postgresql-15 (bookworm amd64, the host's mirror), run with runc as postgres: initdb, pg_ctl,
 * a query, and EXPLAIN ANALYZE with JIT forced on, without the provider and with it kept.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith } from '../helpers/cli.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import { runWithRunc } from '../helpers/runtime.js';

const BIN = '/usr/lib/postgresql/15/bin';
const SPEC = `name: t/postgres
packages: [postgresql-15]
user: postgres
entrypoint: [${BIN}/postgres]
cmd: [-D, /var/lib/postgresql/data]
trim: closure
`;
/** initdb, start, the queries (one result block each; EXPLAIN shows JIT only with costs), stop; as the image's postgres user. */
const SESSION = [
  'set -e',
  `${BIN}/initdb -D /tmp/pg > /dev/null`,
  `${BIN}/pg_ctl -D /tmp/pg -o "-k /tmp -c listen_addresses=''" -l /tmp/pg.log -w start > /dev/null`,
  `${BIN}/psql -h /tmp -U postgres -d postgres -qAt -c "select 6*7" -c "select pg_jit_available()" -c "SET jit = on" -c "SET jit_above_cost = 0" -c "EXPLAIN (ANALYZE, TIMING OFF) SELECT sum(x) FROM generate_series(1, 1000) x"`,
  `${BIN}/pg_ctl -D /tmp/pg -m fast -w stop > /dev/null`,
].join('\n');

describe('trim: closure and the PostgreSQL JIT provider', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-closure-pg-'));
    cache = join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = async (name: string, spec: string) => {
    writeFileSync(join(dir, `${name}.yaml`), spec);
    const out = join(dir, `${name}.oci`);
    const r = runPith(['build', join(dir, `${name}.yaml`), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    const image = layoutImages(out)[0]!;
    const files = await imageFiles(image, (path) => path === 'etc/passwd');
    const postgres = /^postgres:[^:]*:(\d+):(\d+):/m.exec(files.get('etc/passwd')!.data!.toString('utf8'))!;
    const size = image.layers.reduce((n, layer) => n + statSync(layer).size, 0);
    console.log(`# size ${name}: ${size} B`);
    return { out, files, uid: Number(postgres[1]), gid: Number(postgres[2]) };
  };
  const session = (image: { out: string; uid: number; gid: number }) => {
    const run = runWithRunc(image.out, 'latest', { uid: image.uid, gid: image.gid, args: ['/bin/sh', '-c', SESSION] });
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  };

  test('without the provider: no llvmjit.so, libLLVM or perl in the image; queries run, JIT asked for is off', async () => {
    const image = await build('closure', SPEC);
    for (const gone of [
      'usr/lib/postgresql/15/lib/llvmjit.so',
      'usr/lib/postgresql/15/lib/bitcode',
      'usr/lib/x86_64-linux-gnu/libLLVM-14.so.1',
      'usr/bin/perl',
      'usr/share/postgresql-common',
    ]) {
      assert.ok(!image.files.has(gone), `${gone} is not in the image`);
    }
    assert.ok(
      image.files.has('usr/lib/postgresql/15/lib/plpgsql.so') &&
        image.files.has('usr/share/postgresql/15/postgres.bki'),
    );
    const out = session(image);
    assert.match(out, /^42\nf\nAggregate  \(cost=[^)]*\) \(actual rows=1 loops=1\)\n/);
    assert.match(out, /Execution Time: /);
    assert.doesNotMatch(out, /JIT:/);
  });

  test('keep: the provider, and JIT compiles the query (libLLVM, llvmjit_types.bc and the bitcode come with it)', async () => {
    const image = await build('jit', `${SPEC}keep: [${'/usr/lib/postgresql/15/lib/llvmjit.so'}]\n`);
    for (const kept of [
      'usr/lib/x86_64-linux-gnu/libLLVM-14.so.1',
      'usr/lib/postgresql/15/lib/llvmjit_types.bc',
      'usr/lib/postgresql/15/lib/bitcode/postgres.index.bc',
    ]) {
      assert.ok(image.files.has(kept), `${kept} is in the image`);
    }
    const out = session(image);
    assert.match(out, /^42\nt\nAggregate  \(cost=[^)]*\) \(actual rows=1 loops=1\)\n/);
    assert.match(out, /JIT:\n\s+Functions: [1-9]/);
  });
});
