import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySysusers, parseSysusers, splitFields } from '../../../../../src/sources/debian/effects/sysusers.js';
import { applyTmpfiles, expandSpecifiers, parseTmpfiles } from '../../../../../src/sources/debian/effects/tmpfiles.js';
import { allEffects, entryAt, textAt, workspace } from '../../../../helpers/effects-ws.js';

const collect = () => {
  const bad: string[] = [];
  return { bad, report: (line: number, why: string) => void bad.push(`${line}: ${why}`) };
};

test('splitFields: blanks, "double" and \'single\' quotes, escapes; an unterminated quote is unreadable', () => {
  assert.deepEqual(splitFields(`u  svc  -  "Service \\"x\\" user"  /var/lib/svc  -`), [
    'u',
    'svc',
    '-',
    'Service "x" user',
    '/var/lib/svc',
    '-',
  ]);
  assert.deepEqual(splitFields(`g 'a b' 5`), ['g', 'a b', '5']);
  assert.equal(splitFields(`u svc - "unterminated`), undefined);
});

test('sysusers.d: u (with uid:gid and -), g, m, r; bad lines reported by number', () => {
  const { bad, report } = collect();
  const lines = parseSysusers(
    `# comment
u svc - "Service user" /var/lib/svc /bin/false
u fixed 812:svcgroup
g svcgroup 811
m svc audio
r - 500-900
x what ever
u
u pathid /some/file`,
    report,
  );
  assert.deepEqual(bad, ['7: cannot read "x what ever"', '8: cannot read "u"']);
  assert.deepEqual(
    lines.map((l) => `${l.type} ${l.name} ${l.id ?? '-'}`),
    ['u svc -', 'u fixed 812:svcgroup', 'g svcgroup 811', 'm svc audio', 'r - 500-900', 'u pathid /some/file'],
  );
  const ws = workspace();
  applySysusers(ws, 'svcpkg', '/usr/lib/sysusers.d/svc.conf', [lines[2]!, ...lines.filter((l) => l !== lines[2])]);
  const accounts = ws.accounts.toAccounts();
  const svc = accounts.users.find((u) => u.name === 'svc')!;
  assert.deepEqual([svc.home, svc.shell, svc.gecos], ['/var/lib/svc', '/bin/false', 'Service user']);
  assert.deepEqual(accounts.users.find((u) => u.name === 'fixed')!.uid, 812);
  assert.equal(accounts.users.find((u) => u.name === 'fixed')!.gid, 811);
  assert.deepEqual(
    accounts.groups.find((g) => g.name === 'audio')!,
    { name: 'audio', gid: 29, members: ['svc'] },
  );
  assert.match(ws.unsupported.get('svcpkg')!.join(), /line 9: user id "\/some\/file" \(a path\) is not supported/);
  assert.equal(entryAt(ws, '/var/lib/svc'), undefined, 'sysusers makes no home');
});

test('tmpfiles.d: specifiers, modifiers, modes and owners; bad lines reported', () => {
  assert.equal(expandSpecifiers('%t/x-%%'), '/run/x-%');
  assert.equal(expandSpecifiers('%m/x'), undefined);
  const { bad, report } = collect();
  const lines = parseTmpfiles(
    `d /run/postgresql 2775 postgres postgres - -
d %L/postgresql 1775 root postgres - -
r! /etc/passwd.lock
f+ /etc/motd.d/x 0600 - - - hello\\nworld
L /etc/link - - - - /usr/share/target
z /etc/adjust 0640 root adm
d /bad 99x
Q! %m/nope
k /whatever
d relative`,
    report,
  );
  assert.deepEqual(bad, [
    '7: bad mode "99x"',
    '8: path "%m/nope" is not absolute or uses a specifier pith does not expand',
    '9: unknown type "k"',
    '10: path "relative" is not absolute or uses a specifier pith does not expand',
  ]);
  assert.deepEqual(
    lines.map((l) => l.path),
    ['/etc/adjust', '/etc/link', '/etc/motd.d/x', '/etc/passwd.lock', '/run/postgresql', '/var/log/postgresql'],
    'sorted: parents first',
  );
  assert.deepEqual(
    lines.find((l) => l.path === '/run/postgresql'),
    {
      type: 'd',
      letter: 'd',
      plus: false,
      path: '/run/postgresql',
      line: 1,
      mode: 0o2775,
      user: 'postgres',
      group: 'postgres',
    },
  );
});

test("tmpfiles.d applied: postgresql-common's run and log directories, files, links, adjustments; what cannot be done is reported", () => {
  const ws = workspace({
    pg: [
      { path: '/etc/adjust', text: 'x' },
      { path: '/usr/share/target', text: 't' },
      { path: '/var/log', dir: true },
    ],
  });
  ws.accounts.addUser('pg', {
    name: 'postgres',
    group: 'own',
    home: '/var/lib/postgresql',
    shell: '/bin/bash',
    gecos: '',
    system: true,
  });
  const pg = ws.accounts.toAccounts().users.find((u) => u.name === 'postgres')!;
  const lines = parseTmpfiles(
    `d /run/postgresql 2775 postgres postgres - -
d /var/log/postgresql 1775 root postgres - -
f /etc/motd.d/x 0600 - - - hello\\nworld
L /etc/link - - - - /usr/share/target
z /etc/adjust 0640 root adm
p /run/fifo 0600
d /run/other 0755 nobodyhere - -`,
    () => undefined,
  );
  applyTmpfiles(ws, 'pg', '/usr/lib/tmpfiles.d/pg.conf', lines);
  const run = entryAt(ws, '/run/postgresql')!;
  assert.deepEqual(
    [run.type, run.mode, run.uid, run.gid, run.origin.kind, run.origin.package],
    ['dir', 0o2775, pg.uid, pg.gid, 'effect', 'pg'],
  );
  assert.deepEqual(
    [entryAt(ws, '/var/log/postgresql')!.mode, entryAt(ws, '/var/log/postgresql')!.gid],
    [0o1775, pg.gid],
  );
  assert.equal(textAt(ws, '/etc/motd.d/x'), 'hello\nworld');
  assert.equal(entryAt(ws, '/etc/motd.d/x')!.mode, 0o600);
  assert.equal((entryAt(ws, '/etc/link') as { target: string }).target, '/usr/share/target');
  assert.deepEqual(
    [entryAt(ws, '/etc/adjust')!.mode, entryAt(ws, '/etc/adjust')!.gid, textAt(ws, '/etc/adjust')],
    [0o640, 4, 'x'],
  );
  const said = ws.unsupported.get('pg')!.join('\n');
  assert.match(said, /line 6: type p \(\/run\/fifo\) is not emulated/);
  assert.match(said, /line 7: owner nobodyhere: is not an account of the image/);
  assert.equal(entryAt(ws, '/run/other'), undefined);
});

test("the tmpfiles and sysusers effects read packages' .d directories; /etc hides /usr/lib of the same name", () => {
  const { result, effects } = allEffects(
    {
      svc: [
        { path: '/usr/lib/sysusers.d/svc.conf', text: 'u svc - "Svc" /var/lib/svc\n' },
        { path: '/usr/lib/tmpfiles.d/svc.conf', text: 'd /run/svc 0750 svc svc -\n' },
        { path: '/usr/lib/tmpfiles.d/hidden.conf', text: 'd /run/from-usr-lib 0755\n' },
        { path: '/etc/tmpfiles.d/hidden.conf', text: 'd /run/from-etc 0755\n' },
      ],
    },
    [{ name: 'svc', version: '1', depends: [] }],
  );
  const svc = effects.accounts.users.find((u) => u.name === 'svc')!;
  const paths = result.entries.map((e) => `/${e.path} ${e.uid}`);
  assert.ok(paths.includes(`/run/svc ${svc.uid}`), paths.join());
  assert.ok(paths.includes('/run/from-etc 0') && !paths.some((p) => p.startsWith('/run/from-usr-lib')), paths.join());
  assert.deepEqual(result.warnings, []);
});
