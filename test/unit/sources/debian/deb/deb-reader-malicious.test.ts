/**
 * Malformed and malicious .debs, crafted by hand (ar) and with Python's tarfile (tar): each must be
 * refused with one clear PithError that names the package and the offending entry or member.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type PithError, isPithError, type ErrorKind } from '../../../../../src/errors.js';
import { readDeb } from '../../../../../src/sources/debian/deb/deb-reader.js';
import { type TarEntrySpec, craftDeb, pythonTar, writeAr, MINIMAL_CONTROL } from '../../../../helpers/deb-craft.js';
import { run } from '../../../../helpers/deb-tools.js';

const PACKAGE = 'evil-pkg';

async function refused(path: string, kind: ErrorKind, pattern: RegExp): Promise<PithError> {
  let caught: unknown;
  try {
    const contents = await readDeb(path, { packageName: PACKAGE });
    assert.fail(`accepted, returned ${contents.files.length} files`);
  } catch (error) {
    caught = error;
  }
  assert.ok(isPithError(caught), `not a PithError: ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.kind, kind, caught.oneLine());
  assert.match(caught.message, pattern);
  assert.ok(caught.where?.includes(PACKAGE), `where does not name the package: ${caught.where}`);
  assert.ok(caught.where?.includes(path), `where does not name the file: ${caught.where}`);
  assert.ok(!caught.oneLine().includes('\n'), 'message is not one line');
  return caught;
}

const dir = (name: string): TarEntrySpec => ({ name, type: 'dir', mode: 0o755 });
const file = (name: string, data = 'x'): TarEntrySpec => ({ name, type: 'file', mode: 0o644, data });
const symlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'symlink', mode: 0o777, linkname });
const hardlink = (name: string, linkname: string): TarEntrySpec => ({ name, type: 'hardlink', mode: 0o644, linkname });

describe('unsafe data.tar entries', () => {
  it('the crafting helper writes what we think (tar -tv of a crafted member)', () => {
    const listing = run('tar', ['-tv', '-f', '-'], {
      input: pythonTar([file('/etc/x'), symlink('./a', '../../b')]),
    }).toString();
    assert.match(listing, / \/etc\/x\n/);
    assert.match(listing, / \.\/a -> \.\.\/\.\.\/b\n/);
  });

  it('refuses an absolute member path', async () => {
    const path = craftDeb({ data: [dir('./'), file('/etc/x')] });
    const error = await refused(path, 'integrity', /unsafe entry "\/etc\/x" in data\.tar: path "\/etc\/x" is absolute/);
    assert.match(error.hint ?? '', /malformed or malicious/);
  });

  it('refuses a ../ path', async () => {
    const path = craftDeb({ data: [dir('./'), dir('./usr/'), file('./../../etc/passwd', 'root::0:0::/:/bin/sh\n')] });
    await refused(
      path,
      'integrity',
      /unsafe entry "\.\/\.\.\/\.\.\/etc\/passwd" in data\.tar: path .* has a "\.\." component/,
    );
  });

  it('refuses a .. hidden in the middle of a path', async () => {
    const path = craftDeb({ data: [dir('./usr/'), file('./usr/../../x')] });
    await refused(path, 'integrity', /"\.\/usr\/\.\.\/\.\.\/x".*"\.\." component/);
  });

  it('refuses a relative symlink that climbs above the root', async () => {
    const path = craftDeb({
      data: [dir('./'), dir('./usr/'), dir('./usr/lib/'), symlink('./usr/lib/x', '../../../../etc')],
    });
    await refused(
      path,
      'integrity',
      /unsafe entry "\.\/usr\/lib\/x" in data\.tar: symlink target "\.\.\/\.\.\/\.\.\/\.\.\/etc" points above the image root/,
    );
  });

  it('refuses a symlink that climbs out by exactly one level', async () => {
    const path = craftDeb({ data: [dir('./usr/'), symlink('./usr/x', '../../etc')] });
    await refused(path, 'integrity', /"\.\/usr\/x".*points above the image root/);
  });

  it('refuses a hard link to a path outside the archive root', async () => {
    const path = craftDeb({ data: [dir('./'), hardlink('./usr-shadow', './../../etc/shadow')] });
    await refused(
      path,
      'integrity',
      /unsafe entry "\.\/usr-shadow" in data\.tar: hard link target "\.\/\.\.\/\.\.\/etc\/shadow" has a "\.\." component/,
    );
  });

  it('refuses a hard link to an absolute path', async () => {
    const path = craftDeb({ data: [hardlink('./shadow', '/etc/shadow')] });
    await refused(path, 'integrity', /"\.\/shadow".*hard link target "\/etc\/shadow" is absolute/);
  });

  it('refuses a hard link to a file the package does not contain', async () => {
    const path = craftDeb({ data: [dir('./'), dir('./etc/'), hardlink('./etc/copy', './etc/shadow')] });
    await refused(
      path,
      'integrity',
      /"\.\/etc\/copy".*hard link target "etc\/shadow" is not a regular file earlier in the package/,
    );
  });

  it('refuses a hard link to a directory or to a later file', async () => {
    await refused(
      craftDeb({ data: [dir('./etc/'), hardlink('./x', './etc/')] }),
      'integrity',
      /hard link target "etc" is not a regular file/,
    );
    await refused(
      craftDeb({ data: [hardlink('./x', './y'), file('./y')] }),
      'integrity',
      /hard link target "y" is not a regular file earlier/,
    );
  });

  it('refuses writing through a symlink created earlier in the archive', async () => {
    const path = craftDeb({
      data: [
        dir('./'),
        dir('./usr/'),
        symlink('./usr/evil', '/etc'),
        file('./usr/evil/cron.d/backdoor', '* * * * * root sh\n'),
      ],
    });
    await refused(
      path,
      'integrity',
      /unsafe entry "\.\/usr\/evil\/cron\.d\/backdoor" in data\.tar: its parent "usr\/evil" is a symlink of this package/,
    );
  });

  it('refuses writing through a symlink even when its target is inside the root', async () => {
    const path = craftDeb({ data: [dir('./etc/'), symlink('./lnk', 'etc'), file('./lnk/passwd')] });
    await refused(path, 'integrity', /"\.\/lnk\/passwd".*parent "lnk" is a symlink/);
  });

  it('refuses replacing a symlink by a file (write-through on extraction)', async () => {
    const path = craftDeb({ data: [symlink('./x', '/etc/passwd'), file('./x', 'root::0:0::/:/bin/sh\n')] });
    await refused(path, 'integrity', /unsafe entry "\.\/x" in data\.tar: duplicates an earlier symlink entry/);
  });

  it('refuses device nodes and fifos with an input error', async () => {
    await refused(
      craftDeb({ data: [{ name: './dev-fifo', type: 'fifo', mode: 0o644 }] }),
      'input',
      /"\.\/dev-fifo" is a fifo, which pith does not support/,
    );
    await refused(
      craftDeb({ data: [{ name: './null', type: 'chardev', mode: 0o666 }] }),
      'input',
      /"\.\/null" is a character-device/,
    );
  });

  it('accepts absolute symlink targets and relative ones that stay inside', async () => {
    const path = craftDeb({
      data: [
        dir('./'),
        dir('./usr/'),
        dir('./usr/lib/'),
        symlink('./usr/lib/alt', '/etc/alternatives/foo'),
        symlink('./usr/lib/up', '../../etc/foo'),
        symlink('./usr/lib/same', './../lib/x'),
        file('./usr/lib/x', 'data'),
        hardlink('./usr/lib/y', './usr/lib/x'),
      ],
    });
    const contents = await readDeb(path, { packageName: PACKAGE });
    assert.deepEqual(
      contents.files.map((f) => [f.path, f.type, f.target ?? null]),
      [
        ['usr', 'dir', null],
        ['usr/lib', 'dir', null],
        ['usr/lib/alt', 'symlink', '/etc/alternatives/foo'],
        ['usr/lib/up', 'symlink', '../../etc/foo'],
        ['usr/lib/same', 'symlink', './../lib/x'],
        ['usr/lib/x', 'file', null],
        ['usr/lib/y', 'hardlink', 'usr/lib/x'],
      ],
    );
    assert.equal(contents.control, MINIMAL_CONTROL);
  });
});

describe('malformed containers', () => {
  const good = () => craftDeb({ data: [dir('./'), file('./usr/share/x', 'y'.repeat(5000))], dataCompression: 'xz' });

  it('refuses a wrong debian-binary version', async () => {
    await refused(
      craftDeb({ data: [file('./x')], debianBinary: '3.0\n' }),
      'integrity',
      /unsupported \.deb format version "3\.0" in debian-binary \(expected 2\.x\)/,
    );
    await refused(
      craftDeb({ data: [file('./x')], debianBinary: '!<arch>\n' }),
      'integrity',
      /unsupported \.deb format version/,
    );
  });

  it('accepts any 2.x format version', async () => {
    const contents = await readDeb(craftDeb({ data: [file('./x')], debianBinary: '2.1\nextra\n' }), {
      packageName: PACKAGE,
    });
    assert.equal(contents.files.length, 1);
  });

  it('refuses an archive whose first member is not debian-binary', async () => {
    const path = craftDeb({
      data: [],
      members: [{ name: 'control.tar.gz', data: pythonTar([file('./control', MINIMAL_CONTROL)], 'gz') }],
    });
    await refused(path, 'integrity', /first ar member is "control\.tar\.gz", expected "debian-binary"/);
  });

  it('refuses a file that is not an ar archive at all', async () => {
    const path = craftDeb({ data: [] });
    writeFileSync(path, 'PK\u0003\u0004 not a deb');
    await refused(path, 'integrity', /not a Debian package: the file does not start with the ar header "!<arch>"/);
  });

  it('refuses a truncated archive (cut inside the data member)', async () => {
    const path = good();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.byteLength - 100));
    await refused(
      path,
      'integrity',
      /truncated package: ar member "data\.tar\.xz" declares \d+ bytes but only \d+ remain/,
    );
  });

  it('refuses a truncated archive (cut after the control member)', async () => {
    const path = good();
    const bytes = readFileSync(path);
    const dataHeader = bytes.indexOf('data.tar.xz');
    writeFileSync(path, bytes.subarray(0, dataHeader));
    await refused(path, 'integrity', /expected data\.tar member after control\.tar\.gz, found nothing/);
  });

  it('refuses a truncated archive (cut inside a member header)', async () => {
    const path = good();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.indexOf('data.tar.xz') + 20));
    await refused(path, 'integrity', /truncated package: ar member header at offset \d+ has 20 of 60 bytes/);
  });

  it('refuses a truncated compressed data member inside a consistent ar', async () => {
    for (const [compression, name] of [
      ['xz', 'data.tar.xz'],
      ['gz', 'data.tar.gz'],
    ] as const) {
      const data = pythonTar([dir('./'), file('./big', 'z'.repeat(200_000) + Math.random())], compression);
      const path = craftDeb({
        data: [],
        members: [
          { name: 'debian-binary', data: '2.0\n' },
          { name: 'control.tar.gz', data: pythonTar([file('./control', MINIMAL_CONTROL)], 'gz') },
          { name, data: data.subarray(0, Math.floor(data.byteLength / 2)) },
        ],
      });
      await refused(path, 'integrity', new RegExp(`${name.replace(/\./g, '\\.')} is corrupt or truncated: `));
    }
  });

  it('refuses a plain data.tar cut inside an entry', async () => {
    const data = pythonTar([file('./big', 'q'.repeat(10_000))]);
    const path = craftDeb({
      data: [],
      members: [
        { name: 'debian-binary', data: '2.0\n' },
        { name: 'control.tar.gz', data: pythonTar([file('./control', MINIMAL_CONTROL)], 'gz') },
        { name: 'data.tar', data: data.subarray(0, 4096) },
      ],
    });
    await refused(path, 'integrity', /data\.tar (is not a valid tar archive|is truncated)/);
  });

  it('refuses a control.tar without a control file', async () => {
    const path = craftDeb({
      data: [],
      members: [
        { name: 'debian-binary', data: '2.0\n' },
        { name: 'control.tar.gz', data: pythonTar([file('./md5sums', '')], 'gz') },
        { name: 'data.tar', data: pythonTar([file('./x')]) },
      ],
    });
    await refused(path, 'integrity', /control\.tar\.gz has no control file/);
  });

  it('refuses bzip2 and lzma members as unsupported compression, naming the file', async () => {
    const bz2 = craftDeb({ data: [file('./x')], dataCompression: 'bz2' }, 'bz2-pkg_1_all.deb');
    const error = await refused(bz2, 'input', /unsupported compression bzip2 of member data\.tar\.bz2/);
    assert.match(error.oneLine(), /bz2-pkg_1_all\.deb/);
    await refused(
      craftDeb({ data: [file('./x')], dataMemberName: 'data.tar.lzma' }),
      'input',
      /unsupported compression lzma of member data\.tar\.lzma/,
    );
    await refused(
      craftDeb({ data: [file('./x')], dataMemberName: 'data.tar.lz4' }),
      'input',
      /unsupported \.deb member "data\.tar\.lz4"/,
    );
  });

  it('tolerates GNU and BSD ar member-name variants', async () => {
    for (const style of ['gnu', 'gnu-table', 'bsd'] as const) {
      const path = craftDeb({ data: [dir('./'), file('./usr/x', 'odd')], dataCompression: 'gz', style });
      const contents = await readDeb(path, { packageName: PACKAGE });
      assert.deepEqual(
        contents.files.map((f) => f.path),
        ['usr/x'],
        style,
      );
      assert.equal(new TextDecoder().decode(contents.files[0]!.data), 'odd');
    }
  });

  it('reads a hand-made ar with odd member sizes (padding) and ignored _members', async () => {
    const path = craftDeb({
      data: [],
      members: [
        { name: 'debian-binary', data: '2.0\n' },
        { name: '_gpgorigin', data: 'sig' },
        { name: 'control.tar', data: pythonTar([file('./control', MINIMAL_CONTROL)]) },
        { name: 'data.tar.gz', data: pythonTar([file('./a', 'b')], 'gz') },
      ],
    });
    const contents = await readDeb(path, { packageName: PACKAGE });
    assert.equal(contents.files[0]?.path, 'a');
    assert.ok(writeAr([{ name: 'x', data: 'odd' }]).byteLength % 2 === 0);
  });

  it('reads PAX and GNU long names, long link targets and large owners', async () => {
    const long = `./usr/share/${'p'.repeat(150)}/${'q'.repeat(120)}`;
    const linkTarget = `../${'r'.repeat(180)}`;
    for (const dataFormat of ['pax', 'gnu'] as const) {
      const owner = dataFormat === 'pax' ? 3_000_000 : 1000; // beyond octal header fields in PAX
      const path = craftDeb({
        data: [
          dir('./usr/'),
          dir('./usr/share/'),
          dir(`./usr/share/${'p'.repeat(150)}/`),
          { name: long, type: 'file', mode: 0o4755, uid: owner, gid: owner + 1, data: 'long' },
          symlink(`${long}-link`, linkTarget),
          hardlink(`${long}-hard`, long),
        ],
        dataFormat,
      });
      const contents = await readDeb(path, { packageName: PACKAGE });
      const [, , , longFile, longLink, longHard] = contents.files;
      assert.equal(longFile?.path, long.slice(2), dataFormat);
      assert.deepEqual([longFile?.mode, longFile?.uid, longFile?.gid], [0o4755, owner, owner + 1], dataFormat);
      assert.equal(longLink?.target, linkTarget, dataFormat);
      assert.equal(longHard?.target, long.slice(2), dataFormat);
    }
  });

  it('refuses a missing file with an input error', async () => {
    await refused('/nonexistent/evil-pkg.deb', 'input', /cannot open package file/);
  });
});
