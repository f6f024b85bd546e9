/**
 * trim: closure on real bookworm Python: python3.11-minimal and libpython3.11-stdlib with their
 * dependency closure, and a user script `#!/usr/bin/python3.11` as the only root. The script's
 * interpreter, the standard library (python-stdlib rule) and the ELF closure of its lib-dynload
 * modules stay; perl (pulled in through mailcap) goes. As root, the script runs in a chroot.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { caBundleEntry } from '../../../../src/sources/debian/install/ca-bundle.js';
import { FsTree } from '../../../../src/tree/fs-tree.js';
import { applyTrim, trimToClosure, type TrimResult } from '../../../../src/tree/trim/closure.js';
import { dependencyClosure, installDebs, writeRootfs } from '../../../helpers/trim-tree.js';

const SCRIPT = `#!/usr/bin/python3.11
import json, ssl, sqlite3, zlib, hashlib, lzma, bz2, ctypes
print(json.dumps({"ok": True, "ssl": ssl.OPENSSL_VERSION.split()[0], "sqlite": sqlite3.sqlite_version != ""}))
`;
const UML = 'usr/lib/x86_64-linux-gnu';

let skip: string | undefined;
let names: string[] = [];
const tree = new FsTree();
let result: TrimResult;
let trimmed: FsTree;

before(async () => {
  try {
    names = [
      ...new Set([
        ...dependencyClosure('python3.11-minimal'),
        ...dependencyClosure('libpython3.11-stdlib'),
        'base-files',
        'netbase',
        'tzdata',
        'ca-certificates',
      ]),
    ].sort();
  } catch (error) {
    skip = `apt-cache cannot compute the dependencies (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    return;
  }
  skip = await installDebs(tree, names);
  if (skip) return;
  caBundleEntry(tree);
  const data = new TextEncoder().encode(SCRIPT);
  tree.add('usr/local/bin/hello', {
    type: 'file',
    mode: 0o755,
    uid: 0,
    gid: 0,
    origin: { kind: 'file', detail: 'files[0]' },
    size: data.byteLength,
    source: { kind: 'bytes', data },
  });
  result = await trimToClosure(tree, { roots: ['/usr/local/bin/hello'] });
  trimmed = applyTrim(tree, result);
});

test('python: interpreter, standard library and lib-dynload closures are kept; perl is not', (t) => {
  if (skip) return t.skip(skip);
  const kept = (p: string) => assert.ok(result.kept.has(p), `${p} kept`);
  const gone = (p: string) => assert.ok(tree.get(p) !== undefined && !result.kept.has(p), `${p} dropped`);
  // Also the interpreter of the stdlib's executable modules (base64.py is 0755 with a #! line).
  assert.ok(result.reasons.get('usr/bin/python3.11')!.includes('interpreter of /usr/local/bin/hello'));
  kept('usr/lib/python3.11/os.py');
  kept('usr/lib/python3.11/json/__init__.py');
  kept('usr/lib/python3.11/encodings/utf_8.py');
  const ssl = 'usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so';
  assert.deepEqual(result.reasons.get(ssl), ['rule: python-stdlib']);
  kept(trimmed.resolve(`${UML}/libssl.so.3`)!);
  kept(trimmed.resolve(`${UML}/libsqlite3.so.0`)!);
  assert.ok(
    result.reasons
      .get(trimmed.resolve(`${UML}/libsqlite3.so.0`)!)!
      .some((r) => r.startsWith('needed by /usr/lib/python3.11/lib-dynload/_sqlite3')),
  );
  kept(`${UML}/ossl-modules/legacy.so`); // openssl rule, triggered by _ssl's libssl
  kept('usr/share/zoneinfo/UTC');
  kept('etc/mime.types');
  // perl, perl-modules-5.36 and libperl5.36 come in through mailcap; nothing of them is reached.
  for (const pkg of ['perl', 'perl-modules-5.36', 'libperl5.36']) {
    assert.ok(result.dropped.filter((d) => d.package === pkg && d.type === 'file').length > 0, `${pkg} installed`);
    assert.ok(!result.keptFiles.some((k) => k.package === pkg), `nothing of ${pkg} kept`);
    gone(`var/lib/dpkg/status.d/${pkg}`);
  }
  gone(tree.resolve(`${UML}/libperl.so.5.36`)!);
  const sum = (list: { size: number }[]) => list.reduce((n, f) => n + f.size, 0);
  const keptBytes = sum(result.keptFiles);
  const all = keptBytes + sum(result.dropped);
  t.diagnostic(
    `python: ${names.length} packages, untrimmed ${result.keptFiles.length + result.dropped.filter((d) => d.type !== 'dir').length} files ${all} B; kept ${result.keptFiles.length} files ${keptBytes} B (${((100 * keptBytes) / all).toFixed(1)}%)`,
  );
  assert.ok(keptBytes < all * 0.75);
});

test('python: the trimmed tree runs the script (chroot)', async (t) => {
  if (skip) return t.skip(skip);
  if (process.getuid?.() !== 0) return t.skip('chroot needs root');
  const dir = mkdtempSync(join(tmpdir(), 'pith-trim-python-'));
  try {
    await writeRootfs(trimmed, dir);
    const run = spawnSync('chroot', [dir, '/usr/local/bin/hello'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), { ok: true, ssl: 'OpenSSL', sqlite: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
