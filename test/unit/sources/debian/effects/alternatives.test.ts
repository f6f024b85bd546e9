import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrimmed } from '../../../../../src/sources/debian/install/trim.js';
import { entryAt, postinst, workspace } from '../../../../helpers/effects-ws.js';

const link = (ws: ReturnType<typeof workspace>, path: string) => {
  const e = entryAt(ws, path);
  return e?.type === 'symlink' ? e.target : undefined;
};

const JDK = [
  { path: '/usr/bin', dir: true },
  { path: '/usr/lib/jvm/java-17/bin/java', text: 'elf', mode: 0o755 },
  { path: '/usr/lib/jvm/java-11/bin/java', text: 'elf', mode: 0o755 },
  { path: '/usr/lib/jvm/java-17/man/man1/java.1.gz', text: 'man' },
];

test('--install: LINK -> /etc/alternatives/NAME -> PATH, the highest priority wins, with its slaves', () => {
  const ws = workspace({ jdk: JDK }, { trimmed: (p) => isTrimmed(p, { docs: true }) });
  postinst(
    ws,
    'jdk',
    `for v in 11:1111 17:1711; do
  update-alternatives --install /usr/bin/java java /usr/lib/jvm/java-\${v%:*}/bin/java \${v#*:} \\
    --slave /usr/share/man/man1/java.1.gz java.1.gz /usr/lib/jvm/java-\${v%:*}/man/man1/java.1.gz \\
    --slave /usr/bin/javaws javaws /usr/lib/jvm/java-\${v%:*}/bin/javaws
done`,
  );
  assert.equal(link(ws, '/usr/bin/java'), '/etc/alternatives/java');
  assert.equal(link(ws, '/etc/alternatives/java'), '/usr/lib/jvm/java-17/bin/java');
  assert.equal(ws.stat('/usr/bin/java')?.path, 'usr/lib/jvm/java-17/bin/java');
  assert.equal(entryAt(ws, '/usr/bin/java')!.origin.package, 'jdk');
  assert.equal(link(ws, '/usr/share/man/man1/java.1.gz'), undefined, 'manual pages are trimmed: no link either');
  assert.equal(link(ws, '/usr/bin/javaws'), undefined, 'a slave whose file is missing gets no link');
  assert.ok(
    ws.notes.some(
      (n) => n === 'jdk: alternative java: /usr/bin/java -> /usr/lib/jvm/java-17/bin/java (priority 1711 of 2 choices)',
    ),
    ws.notes.join('\n'),
  );
});

test('ties go to the first path in byte order; --set chooses; a missing path never takes part', () => {
  const ws = workspace({
    x: [
      { path: '/usr/bin', dir: true },
      { path: '/opt/b', text: 'b', mode: 0o755 },
      { path: '/opt/a', text: 'a', mode: 0o755 },
      { path: '/opt/c', text: 'c', mode: 0o755 },
    ],
  });
  postinst(
    ws,
    'x',
    `update-alternatives --quiet --install /usr/bin/tie tie /opt/b 10
update-alternatives --install /usr/bin/tie tie /opt/a 10
update-alternatives --install /usr/bin/pick pick /opt/a 50
update-alternatives --install /usr/bin/pick pick /opt/c 5
update-alternatives --set pick /opt/c
update-alternatives --install /usr/bin/gone gone /opt/missing 100 || echo refused`,
  );
  assert.equal(link(ws, '/etc/alternatives/tie'), '/opt/a');
  assert.equal(link(ws, '/etc/alternatives/pick'), '/opt/c');
  assert.equal(entryAt(ws, '/usr/bin/gone'), undefined);
});

test('a link path holding a real file is not replaced (noted); malformed calls are reported', () => {
  const ws = workspace({
    x: [
      { path: '/usr/bin/real', text: 'real', mode: 0o755 },
      { path: '/opt/alt', text: 'alt', mode: 0o755 },
    ],
  });
  postinst(
    ws,
    'x',
    `update-alternatives --install /usr/bin/real real /opt/alt 10
update-alternatives --install /usr/bin/two two /opt/alt notanumber || true
update-alternatives --install /usr/bin/three three /opt/alt 1 --slave /x || true
update-alternatives --config three || true`,
  );
  assert.equal(entryAt(ws, '/usr/bin/real')!.type, 'file');
  assert.ok(
    ws.notes.some((n) => /\/usr\/bin\/real is a file in the image, not replaced with a link/.test(n)),
    ws.notes.join('\n'),
  );
  const said = ws.unsupported.get('x')!.join('\n');
  assert.match(said, /update-alternatives --install \/usr\/bin\/two two \/opt\/alt notanumber/);
  assert.match(said, /update-alternatives --install \/usr\/bin\/three three \/opt\/alt 1 --slave \/x/);
  assert.match(said, /update-alternatives --config three/);
});
