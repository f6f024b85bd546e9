/**
 * readDeb against packages built by the real dpkg-deb, in every compression it writes, with and
 * without --root-owner-group; GNU tar's listing of the same data.tar is the oracle.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type DebContents, debFilesToTreeEntries, readDeb } from '../../../../../src/sources/debian/deb/deb-reader.js';
import {
  type DpkgCompression,
  LONG_FILE,
  LONG_TARGET,
  LONG_DIR,
  buildSyntheticDeb,
} from '../../../../helpers/deb-build.js';
import { run, tarListing } from '../../../../helpers/deb-tools.js';

const MEMBER_SUFFIX: Record<DpkgCompression, string> = { gzip: '.gz', xz: '.xz', zstd: '.zst', none: '' };

for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
  for (const rootOwnerGroup of [true, false]) {
    describe(`dpkg-deb -Z${compression}${rootOwnerGroup ? ' --root-owner-group' : ''}`, () => {
      const deb = buildSyntheticDeb({ compression, rootOwnerGroup });
      let contents: DebContents;

      it('really uses that compression (ar members)', () => {
        const members = run('ar', ['t', deb.path]).toString().trim().split('\n');
        assert.deepEqual(members, [
          'debian-binary',
          `control.tar${MEMBER_SUFFIX[compression]}`,
          `data.tar${MEMBER_SUFFIX[compression]}`,
        ]);
      });

      it('reads the same entries as tar -tv, in archive order', async () => {
        contents = await readDeb(deb.path, { packageName: 'pith-test' });
        const expected = tarListing(deb.path);
        const actual = contents.files.map((file) => {
          const listed: Record<string, unknown> = {
            path: file.path,
            type: file.type,
            mode: file.mode,
            owner: String(file.uid),
            group: String(file.gid),
            size: file.size,
          };
          if (file.target !== undefined) listed.target = file.target;
          return listed;
        });
        assert.deepEqual(actual, expected);
        assert.ok(contents.files.length >= 25, `only ${contents.files.length} entries`);
      });

      it('keeps special modes, owners and link kinds', () => {
        const byPath = new Map(contents.files.map((file) => [file.path, file]));
        const get = (path: string) => {
          const file = byPath.get(path);
          assert.ok(file, `missing ${path}`);
          return file;
        };
        assert.equal(get('usr/bin/pith-suid').mode, 0o4755);
        assert.equal(get('usr/bin/pith-sgid').mode, 0o2711);
        assert.equal(get('usr/bin/pith-tool').mode, 0o755);
        assert.equal(get('var/tmp/pith-sticky').mode, 0o1777);
        assert.equal(get('var/lib/pith-test/empty').type, 'dir');
        assert.equal(get('var/lib/pith-test/empty').mode, 0o700);
        assert.deepEqual(get('usr/bin/pith-link'), {
          path: 'usr/bin/pith-link',
          type: 'symlink',
          mode: 0o777,
          uid: 0,
          gid: 0,
          size: 0,
          target: 'pith-tool',
        });
        assert.equal(get('usr/lib/pith-test/alt').target, '/etc/alternatives/pith');
        assert.equal(get(`${LONG_DIR}/long-target`).target, LONG_TARGET);
        assert.ok(LONG_FILE.length > 100 && LONG_TARGET.length > 100);
        const hard = get('usr/bin/pith-tool-hard');
        assert.equal(hard.type, 'hardlink');
        assert.equal(hard.target, 'usr/bin/pith-tool');
        assert.equal(hard.data, undefined);
        const owner = rootOwnerGroup ? [0, 0] : [1000, 1001];
        assert.deepEqual([get('usr/share/pith-test/owned').uid, get('usr/share/pith-test/owned').gid], owner);
        assert.deepEqual([get('srv/pith-owned').uid, get('srv/pith-owned').gid], owner);
        assert.equal(get('srv/pith-owned').mode, 0o750);
        assert.ok(
          !contents.files.some(
            (file) =>
              file.path === '' || file.path.startsWith('.') || file.path.startsWith('/') || file.path.endsWith('/'),
          ),
        );
      });

      it('returns every regular file with its exact contents', () => {
        const files = contents.files.filter((file) => file.type === 'file');
        assert.equal(files.length, deb.contents.size);
        for (const file of files) {
          const expected = deb.contents.get(file.path);
          assert.ok(expected, `unexpected file ${file.path}`);
          assert.ok(file.data, `no data for ${file.path}`);
          assert.equal(file.size, expected.byteLength);
          assert.ok(Buffer.from(file.data).equals(Buffer.from(expected)), `contents differ: ${file.path}`);
          // And against the bytes on disk dpkg-deb packed, to be independent of the helper's map.
          assert.ok(
            Buffer.from(file.data).equals(readFileSync(join(deb.root, file.path))),
            `disk differs: ${file.path}`,
          );
        }
      });

      it('returns control, md5sums, conffiles and the install-time maintainer scripts verbatim', () => {
        assert.equal(contents.control, deb.control);
        assert.equal(contents.md5sums, deb.md5sums);
        assert.deepEqual(contents.conffiles, ['/etc/pith-test.conf']);
        assert.deepEqual(
          contents.scripts,
          { postinst: '#!/bin/sh\nexit 0\n' },
          'what install effects read (no preinst, no templates here)',
        );
      });

      it('maps to tree entries with package origins', () => {
        const entries = debFilesToTreeEntries(contents.files, {
          package: 'pith-test',
          detail: 'pith-test 1.0-1 (all)',
        });
        assert.equal(entries.length, contents.files.length);
        for (const [index, entry] of entries.entries()) {
          const file = contents.files[index]!;
          assert.equal(entry.path, file.path);
          assert.equal(entry.type, file.type);
          assert.equal(entry.mode, file.mode);
          assert.deepEqual([entry.uid, entry.gid], [file.uid, file.gid]);
          assert.deepEqual(entry.origin, { kind: 'package', detail: 'pith-test 1.0-1 (all)', package: 'pith-test' });
          if (entry.type === 'file') {
            assert.equal(entry.source.kind, 'bytes');
            assert.equal(entry.source.kind === 'bytes' && entry.source.data, file.data);
            assert.equal(entry.size, file.size);
          } else if (entry.type === 'symlink' || entry.type === 'hardlink') {
            assert.equal(entry.target, file.target);
          }
        }
      });
    });
  }
}
