/**
 * readDeb against real bookworm packages from the configured mirror (apt-get download): the
 * file list must equal `dpkg-deb -c` and GNU tar's numeric listing, the control file must equal
 * `dpkg-deb -I <deb> control`, and every file's md5 must match the package's own md5sums.
 * Also measures read throughput on the largest package.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readDeb } from '../../../../../src/sources/debian/deb/deb-reader.js';
import { downloadDeb } from '../../../../helpers/deb-download.js';
import { dpkgContents, dpkgControl, run, tarListing } from '../../../../helpers/deb-tools.js';

const OWNER_NAMES: Record<number, string> = { 0: 'root' };

describe('real Debian packages', () => {
  for (const name of ['libc6', 'tzdata', 'ca-certificates']) {
    it(`reads ${name} exactly as dpkg-deb does`, async (t) => {
      const got = downloadDeb(name);
      if ('skip' in got) return t.skip(got.skip);
      const contents = await readDeb(got.path, { packageName: name });
      t.diagnostic(
        `${got.path}: ${contents.files.length} entries, members ${run('ar', ['t', got.path]).toString().trim().split('\n').join(' ')}`,
      );

      // Control, verbatim.
      assert.equal(contents.control, dpkgControl(got.path));
      assert.match(contents.control, new RegExp(`^Package: ${name.replace('+', '\\+')}\\n`));

      // dpkg-deb -c: same paths, types, modes, symbolic owners, sizes and link targets, same order.
      const listed = dpkgContents(got.path);
      assert.ok(listed.length > 10);
      assert.deepEqual(
        contents.files.map((file) => {
          const entry: Record<string, unknown> = {
            path: file.path,
            type: file.type,
            mode: file.mode,
            owner: OWNER_NAMES[file.uid] ?? String(file.uid),
            group: OWNER_NAMES[file.gid] ?? String(file.gid),
            size: file.size,
          };
          if (file.target !== undefined) entry.target = file.target;
          return entry;
        }),
        listed,
      );
      // GNU tar with numeric owners agrees as well.
      assert.deepEqual(
        contents.files.map((file) => [file.path, file.uid, file.gid]),
        tarListing(got.path).map((entry) => [entry.path, Number(entry.owner), Number(entry.group)]),
      );

      // md5sums: every listed file is present with exactly those bytes.
      assert.ok(contents.md5sums, 'package has md5sums');
      const files = new Map(contents.files.map((file) => [file.path, file]));
      let checked = 0;
      for (const line of contents.md5sums.split('\n')) {
        if (line === '') continue;
        const [, md5, path] = /^([0-9a-f]{32}) {2}(.*)$/.exec(line) ?? [];
        assert.ok(md5 && path, `bad md5sums line ${line}`);
        const file = files.get(path);
        assert.ok(file?.data, `md5sums lists ${path}, which readDeb did not return as a file`);
        assert.equal(createHash('md5').update(file.data).digest('hex'), md5, path);
        checked += 1;
      }
      assert.ok(checked > 0);
      for (const file of contents.files) {
        if (file.type === 'file') assert.equal(file.data?.byteLength, file.size, file.path);
      }
      if (name === 'libc6') {
        assert.deepEqual(contents.conffiles, ['/etc/ld.so.conf.d/x86_64-linux-gnu.conf']);
        assert.ok(contents.files.some((file) => file.type === 'symlink' && file.target?.startsWith('/')));
      }
    });
  }

  it('reads several packages concurrently with the same results', async (t) => {
    const paths: string[] = [];
    for (const name of ['libc6', 'tzdata', 'ca-certificates']) {
      const got = downloadDeb(name);
      if ('skip' in got) return t.skip(got.skip);
      paths.push(got.path);
    }
    const sequential = [];
    for (const path of paths) sequential.push(await readDeb(path));
    const concurrent = await Promise.all([...paths, ...paths].map((path) => readDeb(path)));
    for (const [index, contents] of concurrent.entries()) {
      assert.deepEqual(contents, sequential[index % paths.length]);
    }
  });

  it('reads large packages fast enough (throughput)', async (t) => {
    const results: string[] = [];
    for (const name of ['libc6', 'python3.11-minimal', 'coreutils', 'libstdc++6']) {
      const got = downloadDeb(name);
      if ('skip' in got) {
        results.push(got.skip);
        continue;
      }
      await readDeb(got.path, { packageName: name }); // warm up (WASM compile, page cache)
      const rounds = 3;
      const start = performance.now();
      let unpacked = 0;
      for (let round = 0; round < rounds; round += 1) {
        const contents = await readDeb(got.path, { packageName: name });
        unpacked = contents.files.reduce((sum, file) => sum + file.size, 0);
      }
      const seconds = (performance.now() - start) / 1000 / rounds;
      const packed = statSync(got.path).size;
      const line =
        `${name}: ${(packed / 1e6).toFixed(1)} MB .deb, ${(unpacked / 1e6).toFixed(1)} MB unpacked, ` +
        `${(seconds * 1000).toFixed(0)} ms per read = ${(unpacked / 1e6 / seconds).toFixed(0)} MB/s unpacked, ` +
        `${(packed / 1e6 / seconds).toFixed(1)} MB/s compressed`;
      results.push(line);
      t.diagnostic(line);
      // Generous bound (slow CI machines): a regression to byte-at-a-time parsing would be far below.
      assert.ok(unpacked / seconds > 5e6, line);
    }
    if (results.every((line) => line.includes('skipping'))) t.skip(results.join('; '));
  });
});
