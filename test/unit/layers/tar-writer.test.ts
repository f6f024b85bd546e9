import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { tarStream } from '../../../src/layers/tar-writer.js';
import type { TreeEntry } from '../../../src/tree/entry.js';
import {
  collect,
  dirEntry,
  fileEntry,
  hardlinkEntry,
  hostFileEntry,
  randomBytes,
  readTar,
  run,
  shuffled,
  symlinkEntry,
  withParents,
  withTempDir,
} from '../../helpers/layers-fixtures.js';

const MTIME = 1_700_000_000;
/** Restoring owners on extraction needs root; without it those checks are skipped, not failed. */
const asRoot = process.getuid?.() === 0;
const needsRoot = { skip: asRoot ? false : 'needs root to extract with owners' } as const;

const tarOf = (entries: readonly TreeEntry[], mtime = MTIME) => collect(tarStream(entries, { mtime }));

/** Write the archive to `dir`, extract it with GNU tar as root (keeping owners and modes). */
async function extractWithGnuTar(archive: Buffer, dir: string): Promise<string> {
  const file = join(dir, 'layer.tar');
  const root = join(dir, 'root');
  await writeFile(file, archive);
  run('mkdir', [root]);
  run('tar', ['--numeric-owner', '--same-owner', '--same-permissions', '-xf', file, '-C', root]);
  return root;
}

async function rejectsBuild(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isPithError(err), `expected a PithError, got ${String(err)}`);
    assert.equal(err.kind, 'build');
    assert.match(err.message, message);
    return true;
  });
}

const longDir = `usr/share/${'d'.repeat(60)}/${'e'.repeat(60)}`; // 131 bytes: fits prefix + name
const longName = `${longDir}/${'f'.repeat(99)}`; // 231 bytes, splits as prefix/name
const veryLong = `${Array.from({ length: 30 }, (_, i) => `level-${i}`).join('/')}/${'g'.repeat(120)}`; // > 255
const longTarget = `../../${'t'.repeat(150)}/target`;

const sample: TreeEntry[] = withParents([
  fileEntry('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\n'),
  fileEntry('usr/bin/app', randomBytes(70_000, 1), { mode: 0o4755 }),
  fileEntry('usr/bin/sgid', 'x', { mode: 0o2755, gid: 50 }),
  fileEntry('usr/bin/none', 'mode zero', { mode: 0 }),
  fileEntry('home/user/.secret', 'private\n', { mode: 0o600, uid: 1000, gid: 1000 }),
  fileEntry('empty', ''),
  dirEntry('tmp', { mode: 0o1777 }),
  dirEntry('var/lib/data', { mode: 0o700, uid: 65532, gid: 65532 }),
  symlinkEntry('usr/bin/sh', 'app'),
  symlinkEntry('lib64', '/usr/lib'),
  hardlinkEntry('usr/bin/app-link', 'usr/bin/app'),
  fileEntry(longName, 'long name\n'),
  fileEntry(veryLong, 'very long name\n', { mode: 0o640 }),
  symlinkEntry('usr/bin/far', longTarget),
  fileEntry('usr/share/café/naïve.txt', 'accents\n'),
  fileEntry('usr/share/日本語', 'cjk\n'),
  fileEntry('usr/share/\u{1F600}', 'emoji\n'),
  fileEntry('usr/share/\uFF01', 'fullwidth\n'),
  fileEntry('a-b', 'dash\n'),
  fileEntry('a/b', 'slash\n'),
]);

describe('tarStream: read back by GNU tar', () => {
  it('extracts every entry with its mode, owner, mtime, target and content', needsRoot, async () => {
    const archive = await tarOf(sample);
    await withTempDir(async (dir) => {
      const root = await extractWithGnuTar(archive, dir);
      for (const entry of sample) {
        const at = join(root, entry.path);
        const st = await lstat(at);
        if (entry.type !== 'hardlink') {
          // (A hard link is the same inode as its target: checked below.)
          assert.equal(st.mode & 0o7777, entry.mode, `mode of ${entry.path}`);
          assert.equal(st.uid, entry.uid, `uid of ${entry.path}`);
          assert.equal(st.gid, entry.gid, `gid of ${entry.path}`);
        }
        if (entry.type === 'file') {
          assert.ok(st.isFile(), entry.path);
          assert.equal(st.mtimeMs, MTIME * 1000, `mtime of ${entry.path}`);
          const data = entry.source.kind === 'bytes' ? Buffer.from(entry.source.data) : Buffer.alloc(0);
          assert.ok((await readFile(at)).equals(data), `content of ${entry.path}`);
        } else if (entry.type === 'dir') {
          assert.ok(st.isDirectory(), entry.path);
        } else if (entry.type === 'symlink') {
          assert.ok(st.isSymbolicLink(), entry.path);
          assert.equal(await readlink(at), entry.target);
        } else {
          const target = await lstat(join(root, entry.target));
          assert.equal(st.ino, target.ino, `${entry.path} is the same inode as ${entry.target}`);
          assert.equal(st.nlink, 2);
        }
      }
      assert.equal((await lstat(join(root, 'var/lib/data'))).mtimeMs, MTIME * 1000);
    });
  });

  it('lists cleanly with tar -tvf, in byte-wise path order', async () => {
    const archive = await tarOf(sample);
    const listing = run('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', '-'], archive);
    assert.equal(listing.stderr.toString(), '');
    const lines = listing.stdout.toString().trimEnd().split('\n');
    assert.equal(lines.length, sample.length);
    const names = run('tar', ['--quoting-style=literal', '-tf', '-'], archive).stdout.toString().trimEnd().split('\n');
    const expected = sample
      .map((e) => (e.type === 'dir' ? `${e.path}/` : e.path))
      .sort((a, b) => Buffer.compare(Buffer.from(a.replace(/\/$/, '')), Buffer.from(b.replace(/\/$/, ''))));
    assert.deepEqual(names, expected);
    // Byte order, not UTF-16 order: U+FF01 (EF BC 81) sorts before U+1F600 (F0 9F 98 80).
    assert.ok(names.indexOf('usr/share/\uFF01') < names.indexOf('usr/share/\u{1F600}'));
    assert.ok(names.indexOf('a-b') < names.indexOf('a/b'));
    const setuid = lines.find((l) => l.endsWith(' usr/bin/app'));
    assert.match(setuid ?? '', /^-rwsr-xr-x 0\/0 +70000 2023-11-14 22:13 usr\/bin\/app$/);
    assert.ok(lines.some((l) => /^drwxrwxrwt 0\/0 .* tmp\/$/.test(l)));
    assert.ok(lines.some((l) => /^-rw------- 1000\/1000 .* home\/user\/\.secret$/.test(l)));
    assert.ok(lines.some((l) => l.endsWith(`usr/bin/far -> ${longTarget}`)));
    assert.ok(lines.some((l) => l.endsWith('usr/bin/app-link link to usr/bin/app')));
  });

  it('is byte-identical to GNU tar --format=ustar --sort=name on a plain tree', needsRoot, async () => {
    // Same bytes as the reference implementation, up to GNU tar's 10240-byte blocking.
    const plain = withParents([
      fileEntry('etc/os-release', 'ID=pith\n'),
      fileEntry('usr/bin/app', randomBytes(1500, 2), { mode: 0o4755 }),
      hardlinkEntry('usr/bin/app2', 'usr/bin/app'),
      symlinkEntry('usr/bin/sh', 'app'),
      dirEntry('tmp', { mode: 0o1777 }),
      fileEntry(longName, 'split into prefix and name\n', { uid: 1000, gid: 100 }),
    ]);
    const archive = await tarOf(plain);
    await withTempDir(async (dir) => {
      const root = await extractWithGnuTar(archive, dir);
      const gnu = run('tar', [
        '--format=ustar',
        '--sort=name',
        '--numeric-owner',
        `--mtime=@${MTIME}`,
        '-cf',
        '-',
        '-C',
        root,
        'etc',
        'tmp',
        'usr',
      ]).stdout;
      assert.equal(gnu.length % 10240, 0);
      assert.ok(gnu.subarray(archive.length).every((b) => b === 0));
      assert.ok(gnu.subarray(0, archive.length).equals(archive));
    });
  });
});

describe('tarStream: headers read back by tar-stream', () => {
  it('has the names, types, ids, mtime and link names of the entries', async () => {
    const members = await readTar(await tarOf(sample));
    const byName = new Map(members.map((m) => [m.header.name, m]));
    assert.equal(members.length, sample.length);
    for (const entry of sample) {
      const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
      const m = byName.get(name);
      assert.ok(m, `member ${name}`);
      const h = m.header;
      // A hard link's header carries its inode's (the target file's) metadata.
      const meta = entry.type === 'hardlink' ? sample.find((e) => e.path === entry.target)! : entry;
      assert.equal(h.type, { file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'link' }[entry.type]);
      assert.equal(h.mode, meta.mode);
      assert.equal(h.uid, meta.uid);
      assert.equal(h.gid, meta.gid);
      assert.equal(h.uname, '');
      assert.equal(h.gname, '');
      assert.equal(h.devmajor, 0);
      assert.equal(h.devminor, 0);
      assert.equal(h.mtime.getTime(), MTIME * 1000);
      assert.ok(!h.name.startsWith('./') && !h.name.startsWith('/'));
      if (entry.type === 'symlink' || entry.type === 'hardlink') assert.equal(h.linkname, entry.target);
      else assert.equal(h.linkname, null);
      if (entry.type === 'file' && entry.source.kind === 'bytes') {
        assert.equal(h.size, entry.size);
        assert.ok(m.data.equals(Buffer.from(entry.source.data)));
      } else {
        assert.equal(h.size, 0);
      }
      // Times never go into PAX records: they would defeat the fixed mtime.
      for (const key of Object.keys(h.pax ?? {})) assert.ok(['path', 'linkpath', 'size', 'uid', 'gid'].includes(key));
    }
  });

  it('uses PAX only where ustar cannot hold the value', async () => {
    const members = await readTar(await tarOf(sample));
    const pax = (name: string) => members.find((m) => m.header.name === name)?.header.pax ?? null;
    assert.equal(pax('etc/passwd'), null);
    assert.equal(pax(longName), null, 'a 231-byte name fits the ustar prefix/name split');
    assert.equal(pax(`${longDir}/`), null);
    assert.deepEqual(pax(veryLong), { path: veryLong });
    assert.deepEqual(pax('usr/bin/far'), { linkpath: longTarget });
    assert.deepEqual(pax('usr/share/café/naïve.txt'), { path: 'usr/share/café/naïve.txt' });
    assert.deepEqual(pax('usr/share/café/'), { path: 'usr/share/café/' });
  });

  it('writes uids and gids beyond 0o7777777 as PAX records', async () => {
    const big = 0o10000000;
    const archive = await tarOf([fileEntry('f', 'x', { uid: big, gid: big + 1 })]);
    const [m] = await readTar(archive);
    assert.deepEqual(m?.header.pax, { uid: String(big), gid: String(big + 1) });
    assert.equal(m?.header.uid, 0, 'the ustar field holds 0');
    if (!asRoot) return;
    await withTempDir(async (dir) => {
      const root = await extractWithGnuTar(archive, dir);
      const st = await lstat(join(root, 'f'));
      assert.equal(st.uid, big);
      assert.equal(st.gid, big + 1);
    });
  });

  it('gives deep and long directory names a trailing slash', async () => {
    const deep = Array.from({ length: 80 }, (_, i) => `n${i}`).join('/');
    const entries = withParents([dirEntry(deep, { mode: 0o750 })]);
    const members = await readTar(await tarOf(entries));
    assert.equal(members.length, 80);
    for (const m of members) {
      assert.equal(m.header.type, 'directory');
      assert.ok(m.header.name.endsWith('/'));
    }
    assert.equal(members.at(-1)?.header.name, `${deep}/`);
    assert.equal(members.at(-1)?.header.mode, 0o750);
  });

  it('pads every member to 512 bytes and ends with two zero blocks', async () => {
    const archive = await tarOf([fileEntry('a', 'x'), fileEntry('b', Buffer.alloc(512, 1))]);
    assert.equal(archive.length, 512 + 512 + 512 + 512 + 1024);
    assert.ok(archive.subarray(-1024).every((b) => b === 0));
    assert.equal(archive.length % 512, 0);
    const empty = await tarOf([]);
    assert.equal(empty.length, 1024);
    assert.ok(empty.every((b) => b === 0));
  });
});

describe('tarStream: hard links', () => {
  it('swaps roles when the link sorts before its target', async () => {
    const content = 'the content\n';
    const entries = withParents([
      fileEntry('usr/bin/zz-real', content, { mode: 0o755, uid: 7, gid: 8 }),
      hardlinkEntry('usr/bin/aa-link', 'usr/bin/zz-real'),
      hardlinkEntry('usr/bin/mm-link', 'usr/bin/zz-real'),
    ]);
    const archive = await tarOf(entries);
    const members = (await readTar(archive)).filter((m) => m.header.name.startsWith('usr/bin/'));
    assert.deepEqual(
      members.map((m) => [m.header.name, m.header.type, m.header.linkname, m.header.size]),
      [
        ['usr/bin/', 'directory', null, 0],
        ['usr/bin/aa-link', 'file', null, content.length],
        ['usr/bin/mm-link', 'link', 'usr/bin/aa-link', 0],
        ['usr/bin/zz-real', 'link', 'usr/bin/aa-link', 0],
      ],
    );
    // The inode's metadata is the file's, whichever name carries the content.
    assert.equal(members[1]?.header.mode, 0o755);
    assert.equal(members[1]?.header.uid, 7);
    assert.equal(members[1]?.data.toString(), content);
    if (!asRoot) return;
    await withTempDir(async (dir) => {
      const root = await extractWithGnuTar(archive, dir);
      const a = await lstat(join(root, 'usr/bin/aa-link'));
      const m = await lstat(join(root, 'usr/bin/mm-link'));
      const z = await lstat(join(root, 'usr/bin/zz-real'));
      assert.equal(a.ino, z.ino);
      assert.equal(m.ino, z.ino);
      assert.equal(z.nlink, 3);
      assert.equal(z.mode & 0o7777, 0o755);
      assert.equal(await readFile(join(root, 'usr/bin/zz-real'), 'utf8'), content);
    });
  });

  it('gives the same archive whichever name the entry list calls the target', async () => {
    const one = await tarOf([fileEntry('b', 'same'), hardlinkEntry('a', 'b')]);
    const other = await tarOf([fileEntry('a', 'same'), hardlinkEntry('b', 'a')]);
    assert.ok(one.equals(other));
  });

  it('writes a long hard link target as a PAX linkpath', async () => {
    const entries = [fileEntry(veryLong, 'x'), hardlinkEntry('z', veryLong)];
    const members = await readTar(await tarOf(entries));
    assert.equal(members[1]?.header.type, 'link');
    assert.equal(members[1]?.header.linkname, veryLong);
  });

  it('rejects a link to something that is not a regular file of the layer', async () => {
    await rejectsBuild(tarOf([hardlinkEntry('a', 'missing')]), /hard link a points to missing/);
    await rejectsBuild(tarOf([dirEntry('d'), hardlinkEntry('a', 'd')]), /not a regular file/);
    await rejectsBuild(tarOf([symlinkEntry('s', 'x'), hardlinkEntry('a', 's')]), /not a regular file/);
    await rejectsBuild(
      tarOf([fileEntry('f', 'x'), hardlinkEntry('a', 'f'), hardlinkEntry('b', 'a')]),
      /hard link b points to a/,
    );
  });
});

describe('tarStream: rejected input', () => {
  it('rejects duplicate paths, naming both origins', async () => {
    const twice = [
      fileEntry('etc/hosts', 'a'),
      { ...dirEntry('etc/hosts'), origin: { kind: 'package', detail: 'netbase' } } as const,
    ];
    await rejectsBuild(tarOf(twice), /etc\/hosts is in the layer twice \(from test and netbase\)/);
  });

  for (const path of [
    '/etc/passwd',
    './etc',
    'etc/./passwd',
    'etc/../passwd',
    '..',
    '.',
    'etc//passwd',
    'etc/',
    'a\0b',
  ]) {
    it(`rejects the path ${JSON.stringify(path)}`, async () => {
      await rejectsBuild(tarOf([fileEntry(path, 'x')]), /layer entry/);
    });
  }

  it('rejects an entry whose parent is not a directory', async () => {
    await rejectsBuild(tarOf([fileEntry('a', 'x'), fileEntry('a/b', 'y')]), /a\/b is inside a, which is a file/);
    await rejectsBuild(tarOf([symlinkEntry('lib', 'usr/lib'), dirEntry('lib/x')]), /which is a symlink/);
  });

  it('rejects modes outside permission bits and negative ids', async () => {
    await rejectsBuild(tarOf([fileEntry('f', 'x', { mode: 0o100644 })]), /mode/);
    await rejectsBuild(tarOf([fileEntry('f', 'x', { mode: -1 })]), /mode/);
    await rejectsBuild(tarOf([fileEntry('f', 'x', { uid: -1 })]), /uid/);
    await rejectsBuild(tarOf([fileEntry('f', 'x', { gid: 1.5 })]), /gid/);
  });

  it('rejects a bad mtime and a declared size that differs from the bytes', async () => {
    await rejectsBuild(tarOf([], -1), /mtime/);
    await rejectsBuild(tarOf([], 1.5), /mtime/);
    await rejectsBuild(tarOf([{ ...fileEntry('f', 'abc'), size: 4 }]), /declares size 4/);
  });

  it('skips the root directory entry (""), but no other entry without a name', async () => {
    const withRoot = await tarOf([dirEntry(''), fileEntry('f', 'x')]);
    assert.ok(withRoot.equals(await tarOf([fileEntry('f', 'x')])));
    await rejectsBuild(tarOf([fileEntry('', 'x')]), /empty/);
    await rejectsBuild(tarOf([symlinkEntry('', 'x')]), /empty/);
  });
});

describe('tarStream: host files', () => {
  it('streams a host file larger than a read chunk', async () => {
    await withTempDir(async (dir) => {
      const data = randomBytes(1_000_003, 3);
      const host = join(dir, 'big.bin');
      await writeFile(host, data);
      const [m] = await readTar(await tarOf([hostFileEntry('opt/big.bin', host, data.length, { mode: 0o755 })]));
      assert.equal(m?.header.size, data.length);
      assert.ok(m?.data.equals(data));
    });
  });

  it('fails, naming the host path, when the file grew or shrank since it was resolved', async () => {
    await withTempDir(async (dir) => {
      const host = join(dir, 'changing');
      await writeFile(host, randomBytes(600_000, 4));
      const grew = hostFileEntry('f', host, 599_999);
      await rejectsBuild(tarOf([grew]), new RegExp(`${host} changed while building .*more`));
      await truncate(host, 300_000);
      const shrank = hostFileEntry('f', host, 600_000);
      await rejectsBuild(tarOf([shrank]), new RegExp(`${host} changed while building .*ends after 300000`));
    });
  });

  it('fails with a build error for a missing host file', async () => {
    await rejectsBuild(
      tarOf([hostFileEntry('f', '/nonexistent/pith-test', 1)]),
      /cannot read \/nonexistent\/pith-test .*ENOENT/,
    );
  });
});

describe('tarStream: determinism', () => {
  it('gives identical bytes for any input order', async () => {
    const reference = await tarOf(sample);
    for (const seed of [1, 2, 3, 4, 5]) {
      assert.ok((await tarOf(shuffled(sample, seed))).equals(reference), `shuffle ${seed}`);
    }
  });

  it('is bytes-compatible with earlier builds (golden digest)', async () => {
    // If this changes, every layer digest pith produces changes: only on purpose, with a note.
    const golden = withParents([
      fileEntry('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\n'),
      fileEntry('usr/bin/app', 'binary', { mode: 0o755 }),
      symlinkEntry('usr/bin/sh', 'app'),
      hardlinkEntry('usr/bin/app2', 'usr/bin/app'),
      dirEntry('tmp', { mode: 0o1777 }),
      fileEntry(veryLong, 'pax path\n'),
      fileEntry('usr/share/naïve', 'pax utf-8 path\n'),
    ]);
    const digest = createHash('sha256')
      .update(await tarOf(golden))
      .digest('hex');
    assert.equal(digest, GOLDEN_TAR_SHA256);
  });
});

const GOLDEN_TAR_SHA256 = '2e7840ae225d6316c10c3e3bfa2346108e833f3f8448ae2499d82fd9b7db64d4';
