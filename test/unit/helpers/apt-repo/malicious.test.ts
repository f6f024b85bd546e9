/**
 * writeMaliciousDeb: each kind is a well-formed .deb (ar with debian-binary, control.tar.gz,
 * data.tar.gz; dpkg-deb reads its control) whose data.tar holds the hostile entry it promises.
 * Python's tarfile is the oracle for the raw member names (GNU tar would rewrite them).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  maliciousControl,
  maliciousEntryName,
  writeMaliciousDeb,
  type MaliciousKind,
} from '../../../helpers/apt-repo.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface Member {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  data: string;
}

/** Every member of a tar (any compression) as stored, by Python's tarfile. */
function tarMembers(tar: Buffer): Member[] {
  const script = `
import io, json, sys, tarfile
out = []
with tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode='r:*') as tar:
    for m in tar.getmembers():
        kind = 'file' if m.isreg() else 'dir' if m.isdir() else 'symlink' if m.issym() else 'hardlink' if m.islnk() else 'other'
        data = tar.extractfile(m).read().decode() if m.isreg() else ''
        out.append(dict(name=m.name, type=kind, linkname=m.linkname, mode=m.mode, uid=m.uid, gid=m.gid, data=data))
json.dump(out, sys.stdout)
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: tar, encoding: 'utf8' })) as Member[];
}

/** ar members by hand: name and bytes. */
function arMembers(deb: Buffer): Array<{ name: string; data: Buffer }> {
  assert.equal(deb.subarray(0, 8).toString('latin1'), '!<arch>\n');
  const members: Array<{ name: string; data: Buffer }> = [];
  let offset = 8;
  while (offset < deb.length) {
    const header = deb.subarray(offset, offset + 60).toString('latin1');
    assert.equal(header.slice(58, 60), '`\n', 'ar header magic');
    const size = Number(header.slice(48, 58).trim());
    members.push({ name: header.slice(0, 16).trim(), data: deb.subarray(offset + 60, offset + 60 + size) });
    offset += 60 + size + (size % 2);
  }
  assert.equal(offset, deb.length);
  return members;
}

const expectations: Record<MaliciousKind, (members: Member[], name: string) => void> = {
  'absolute-path': (members) => {
    const bad = members.find((m) => m.name.startsWith('/'));
    assert.ok(bad, 'an absolute member name');
    assert.equal(bad.name, '/etc/pith-evil-absolute');
    assert.equal(bad.type, 'file');
  },
  'dotdot-path': (members, name) => {
    const bad = members.find((m) => m.name.split('/').includes('..'));
    assert.ok(bad, 'a member name with ..');
    assert.equal(bad.name, `./usr/share/${name}/../../../../etc/pith-evil-dotdot`);
    assert.equal(bad.type, 'file');
  },
  'escaping-symlink': (members, name) => {
    const bad = members.find((m) => m.type === 'symlink');
    assert.ok(bad);
    assert.equal(bad.name, `./usr/share/${name}/escape`);
    // From usr/share/<name>/ three '..' reach the root; the target climbs six.
    assert.equal(bad.linkname, '../../../../../../etc/shadow');
  },
  'symlink-then-write': (members, name) => {
    const link = members.findIndex((m) => m.type === 'symlink');
    assert.ok(link >= 0);
    assert.equal(members[link]!.name, `./usr/share/${name}/link`);
    assert.equal(members[link]!.linkname, '/etc');
    const write = members.findIndex((m) => m.name === `./usr/share/${name}/link/pith-evil-through-link`);
    assert.ok(write > link, 'the write comes after the link');
    assert.equal(members[write]!.type, 'file');
    assert.equal(members[write]!.data, 'written through a symlink\n');
  },
  'hardlink-outside': (members, name) => {
    const bad = members.find((m) => m.type === 'hardlink');
    assert.ok(bad);
    assert.equal(bad.name, `./usr/share/${name}/passwd`);
    assert.equal(bad.linkname, '/etc/passwd');
    assert.ok(!members.some((m) => m.name.replace(/^\.?\//, '') === 'etc/passwd'), 'the target is not in the package');
  },
};

describe('writeMaliciousDeb', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-apt-evil-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of Object.keys(expectations) as MaliciousKind[]) {
    test(kind, async () => {
      const path = join(dir, `${kind}.deb`);
      await writeMaliciousDeb(path, kind);
      const name = `pith-evil-${kind}`;
      const deb = readFileSync(path);

      // A well-formed .deb: dpkg-deb reads the control.
      const info = spawnSync('dpkg-deb', ['--info', path], { encoding: 'utf8' });
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /new Debian package, version 2\.0/);
      assert.equal(execFileSync('dpkg-deb', ['--field', path, 'Package'], { encoding: 'utf8' }).trim(), name);
      assert.equal(execFileSync('dpkg-deb', ['--field', path, 'Version'], { encoding: 'utf8' }).trim(), '1.0');
      assert.equal(execFileSync('dpkg-deb', ['--field', path, 'Architecture'], { encoding: 'utf8' }).trim(), 'amd64');
      const control = execFileSync('dpkg-deb', ['--info', path, 'control'], { encoding: 'utf8' });
      for (const [field, value] of Object.entries(maliciousControl(kind)))
        assert.match(control, new RegExp(`^${field}: ${value.replace(/[()]/g, '\\$&')}$`, 'm'));

      const members = arMembers(deb);
      assert.deepEqual(
        members.map((m) => m.name),
        ['debian-binary', 'control.tar.gz', 'data.tar.gz'],
      );
      assert.equal(members[0]!.data.toString(), '2.0\n');
      const controlMembers = tarMembers(members[1]!.data);
      // tarfile reports directories without their trailing slash; GNU tar shows them as stored.
      assert.deepEqual(
        controlMembers.map((m) => m.name),
        ['.', './control', './md5sums'],
      );

      const data = tarMembers(members[2]!.data);
      assert.deepEqual(
        data.slice(0, 5).map((m) => m.name),
        ['.', './usr', './usr/share', `./usr/share/${name}`, `./usr/share/${name}/README`],
      );
      const gnuListing = execFileSync('tar', ['-tzf', '-'], {
        input: members[2]!.data,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      assert.deepEqual(gnuListing.split('\n').slice(0, 4), ['./', './usr/', './usr/share/', `./usr/share/${name}/`]);
      for (const member of data) {
        assert.equal(member.uid, 0);
        assert.equal(member.gid, 0);
      }
      expectations[kind](data, name);
      assert.equal(maliciousEntryName(kind), data.at(-1)!.name);

      // dpkg-deb's own tar listing sees the same member count (the archive is not truncated).
      const listing = execFileSync('dpkg-deb', ['--fsys-tarfile', path]);
      assert.equal(tarMembers(listing).length, data.length);
    });
  }

  test('custom name, reproducible bytes', async () => {
    const first = join(dir, 'a.deb');
    const second = join(dir, 'b.deb');
    await writeMaliciousDeb(first, 'escaping-symlink', 'sneaky');
    await writeMaliciousDeb(second, 'escaping-symlink', 'sneaky');
    assert.deepEqual(readFileSync(first), readFileSync(second));
    assert.equal(execFileSync('dpkg-deb', ['--field', first, 'Package'], { encoding: 'utf8' }).trim(), 'sneaky');
    assert.ok(
      tarMembers(execFileSync('dpkg-deb', ['--fsys-tarfile', first])).some(
        (m) => m.name === './usr/share/sneaky/escape',
      ),
    );
    assert.equal(maliciousControl('escaping-symlink', 'sneaky').Package, 'sneaky');
  });
});
