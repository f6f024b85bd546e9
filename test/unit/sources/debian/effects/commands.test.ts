import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyMode } from '../../../../../src/sources/debian/effects/commands/owners.js';
import { directiveNames } from '../../../../../src/sources/debian/effects/static-accounts.js';
import { entryAt, postinst, textAt, workspace } from '../../../../helpers/effects-ws.js';

test('chmod modes: octal (with a leading 0), symbolic clauses, X, s and t', () => {
  assert.equal(applyMode('01733', 0, true), 0o1733);
  assert.equal(applyMode('u+x,g-w', 0o664, false), 0o744);
  assert.equal(applyMode('a=r', 0o777, false), 0o444);
  assert.equal(applyMode('g+s', 0o755, true), 0o2755);
  assert.equal(applyMode('+t', 0o777, true), 0o1777);
  assert.equal(applyMode('a+X', 0o644, true), 0o755);
  assert.equal(applyMode('a+X', 0o644, false), 0o644);
  assert.equal(applyMode('u+q', 0o644, false), undefined);
});

test('file commands on the image: mkdir -p -m, install -d -o -g, cp -p, ln -s into a directory, touch, > and >>', () => {
  const ws = workspace({
    pkg: [
      { path: '/usr/share/pkg/default.conf', text: 'key=1\n', mode: 0o640 },
      { path: '/etc', dir: true },
      { path: '/var/lib', dir: true },
    ],
  });
  postinst(
    ws,
    'pkg',
    `mkdir -p -m 0750 /var/lib/pkg/cache
install -d -m 2775 -o www-data -g adm /var/log/pkg
cp -p /usr/share/pkg/default.conf /etc/pkg.conf
mkdir /etc/pkg.d
ln -s /usr/share/pkg/default.conf /etc/pkg.d
touch /etc/pkg.d/empty
echo first > /etc/pkg.d/notes
echo second >> /etc/pkg.d/notes
sed -i -e 's/^key=1$/key=2/' /etc/pkg.conf`,
  );
  assert.deepEqual(
    [entryAt(ws, '/var/lib/pkg')!.mode, entryAt(ws, '/var/lib/pkg/cache')!.mode],
    [0o755, 0o750],
    'mkdir -p: parents 0755',
  );
  const log = entryAt(ws, '/var/log/pkg')!;
  assert.deepEqual([log.mode, log.uid, log.gid], [0o2775, 33, 4]);
  assert.deepEqual([textAt(ws, '/etc/pkg.conf'), entryAt(ws, '/etc/pkg.conf')!.mode], ['key=2\n', 0o640]);
  assert.equal((entryAt(ws, '/etc/pkg.d/default.conf') as { target: string }).target, '/usr/share/pkg/default.conf');
  assert.equal(textAt(ws, '/etc/pkg.d/empty'), '');
  assert.equal(textAt(ws, '/etc/pkg.d/notes'), 'first\nsecond\n');
  assert.equal(textAt(ws, '/usr/share/pkg/default.conf'), 'key=1\n', "the package's own file is unchanged");
  assert.deepEqual(ws.unsupported, new Map());
});

test('find: depth limits, ! ( ) -name -o, -type, -empty, -printf and -delete', () => {
  const ws = workspace({
    php: [
      { path: '/usr/lib/php/8.2/sapi/cli', text: '' },
      { path: '/usr/lib/php/8.2/sapi/fpm', text: '' },
      { path: '/usr/lib/php/8.2/sapi/cli.dpkg-old', text: '' },
      { path: '/etc/redis/redis-server.pre-up.d', dir: true },
      { path: '/etc/redis/keep.d/file', text: 'x' },
    ],
  });
  postinst(
    ws,
    'php',
    `find /usr/lib/php/8.2/sapi -mindepth 1 -maxdepth 1 \\! \\( -name '*.dpkg-old' -o -name '*~' \\) -printf '%f\\n' > /etc/sapis
find /etc/redis -maxdepth 1 -type d -name '*.d' -empty -delete
[ -d "" ] || touch /etc/empty-is-not-a-directory`,
  );
  assert.equal(textAt(ws, '/etc/sapis'), 'cli\nfpm\n');
  assert.deepEqual(ws.removed, new Map([['etc/redis/redis-server.pre-up.d', 'php']]));
  assert.ok(entryAt(ws, '/etc/redis/keep.d'), 'not empty: kept');
  assert.ok(entryAt(ws, '/etc/empty-is-not-a-directory'));
});

test('dpkg-statoverride and chown on a package file re-add it as an effect, bytes and all', () => {
  const ws = workspace({ redis: [{ path: '/etc/redis/redis.conf', text: 'dir /var/lib/redis\n' }] });
  postinst(
    ws,
    'redis',
    `adduser --system --group --home /var/lib/redis redis
if ! dpkg-statoverride --list /etc/redis/redis.conf >/dev/null 2>&1; then
  dpkg-statoverride --update --add redis redis 640 /etc/redis/redis.conf
fi`,
  );
  const conf = entryAt(ws, '/etc/redis/redis.conf')!;
  const redis = ws.accounts.toAccounts().users.find((u) => u.name === 'redis')!;
  assert.deepEqual([conf.mode, conf.uid, conf.gid, conf.origin.kind], [0o640, redis.uid, redis.gid, 'effect']);
  assert.equal(textAt(ws, '/etc/redis/redis.conf'), 'dir /var/lib/redis\n');
});

test('queries answer from the image: getent, id, dpkg --compare-versions and --print-architecture, command -v, grep', () => {
  const ws = workspace({
    tool: [
      { path: '/usr/bin/tool', text: '#!/bin/sh\n', mode: 0o755 },
      { path: '/etc/list', text: 'alpha\nbeta\n' },
    ],
  });
  postinst(
    ws,
    'q',
    `getent passwd www-data >/dev/null && touch /tmp-www-data-exists
getent passwd nosuch >/dev/null || touch /tmp-nosuch-missing
[ "$(id -u nonroot)" = 65532 ] && touch /tmp-id
dpkg --compare-versions "1.2-1" lt "1.10-1" && touch /tmp-lt
dpkg --compare-versions "" lt-nl "1.0" || touch /tmp-empty-not-lt-nl
[ "$(dpkg --print-architecture)" = amd64 ] && touch /tmp-arch
command -v tool >/dev/null && touch /tmp-tool
command -v nope >/dev/null || touch /tmp-nope
grep -qw beta /etc/list && touch /tmp-grep`,
  );
  for (const f of ['www-data-exists', 'nosuch-missing', 'id', 'lt', 'empty-not-lt-nl', 'arch', 'tool', 'nope', 'grep'])
    assert.ok(entryAt(ws, `/tmp-${f}`), f);
  assert.equal(
    ws.accounts.toAccounts().users.some((u) => u.name === 'www-data'),
    false,
    'asking about www-data does not add it',
  );
});

test('commands pith does not know are reported once per package with their script line; their output is never written', () => {
  const ws = workspace({ gdk: [{ path: '/usr/lib/loaders', dir: true }] });
  postinst(
    ws,
    'gdk',
    `set -e\n/usr/lib/gdk-pixbuf-query-loaders > /usr/lib/loaders/loaders.cache\nsetcap cap_net_raw+ep /bin/ping || true\nupdate-rc.d x defaults\nldconfig`,
  );
  assert.deepEqual(ws.unsupported.get('gdk'), [
    '"/usr/lib/gdk-pixbuf-query-loaders" (postinst line 2)',
    '"setcap cap_net_raw+ep /bin/ping" (postinst line 3)',
  ]);
  assert.equal(entryAt(ws, '/usr/lib/loaders/loaders.cache'), undefined);
});

test('image shell programs a script runs are interpreted too (phpenmod-style), within a depth limit', () => {
  const ws = workspace({
    php: [
      {
        path: '/usr/sbin/enmod',
        text: '#!/bin/sh\nset -e\nln -s /etc/php/mods-available/$1.ini /etc/php/conf.d/20-$1.ini\n',
        mode: 0o755,
      },
      { path: '/usr/sbin/loop', text: '#!/bin/sh\nloop\n', mode: 0o755 },
      { path: '/etc/php/mods-available/opcache.ini', text: 'x' },
      { path: '/etc/php/conf.d', dir: true },
    ],
  });
  postinst(ws, 'php', 'enmod opcache\nloop || true');
  assert.equal(
    (entryAt(ws, '/etc/php/conf.d/20-opcache.ini') as { target: string }).target,
    '/etc/php/mods-available/opcache.ini',
  );
  assert.match(
    ws.unsupported.get('php')!.join(),
    /"loop" \(postinst -> \/usr\/sbin\/loop -> \/usr\/sbin\/loop -> \/usr\/sbin\/loop -> \/usr\/sbin\/loop line 2\)/,
  );
});

test('debconf: confmodule is stubbed, db_get answers with the template default', () => {
  const ws = workspace({ p: [{ path: '/etc', dir: true }] });
  postinst(
    ws,
    'p',
    '. /usr/share/debconf/confmodule\ndb_get p/answer\necho "$RET" > /etc/answer\ndb_input high p/answer || true\ndb_go',
    {
      templates: 'Template: p/answer\nType: string\nDefault: forty-two\nDescription: a question\n',
    },
  );
  assert.equal(textAt(ws, '/etc/answer'), 'forty-two\n');
  assert.deepEqual(ws.unsupported, new Map());
});

test('static account directives in configuration: user/group lines that name Debian static accounts', () => {
  assert.deepEqual(directiveNames('user www-data;\nworker_processes auto;\n'), { users: ['www-data'], groups: [] });
  assert.deepEqual(directiveNames('User=proxy\nGroup=adm\n# user mail\nRUN_AS_USER="backup"'), {
    users: ['backup', 'proxy'],
    groups: ['adm'],
  });
  assert.deepEqual(directiveNames('user someoneelse;\nusername: root2'), { users: [], groups: [] });
});

test('effects stay in the image: .. cannot climb out, /proc and /dev are not written, host files and accounts are never used', () => {
  const canary = `/tmp/pith-effects-canary-${process.pid}`;
  const ws = workspace({
    p: [
      { path: '/etc', dir: true },
      { path: '/tmp', dir: true, mode: 0o1777 },
    ],
  });
  postinst(
    ws,
    'p',
    `cd /etc
touch ../../../../escaped
echo 1 > /proc/sys/vm/overcommit_memory
touch ${canary}
getent passwd messagebus > /etc/host-user || touch /etc/no-host-user
adduser --system --group systemd-network`,
  );
  assert.ok(entryAt(ws, '/escaped'), 'climbing stops at the image root');
  assert.equal(entryAt(ws, '/proc'), undefined);
  assert.ok(entryAt(ws, canary), 'the canary is an image file...');
  assert.throws(() => readFileSync(canary), /ENOENT/, '...and not a host file');
  assert.ok(entryAt(ws, '/etc/no-host-user'), "the host's messagebus user is not the image's");
  const created = ws.accounts.toAccounts().users.find((u) => u.name === 'systemd-network')!;
  assert.ok(created.uid >= 100 && created.uid <= 999, 'a new id, not the host account');
});

test('sed: grouped -ne, POSIX classes, \\( \\) groups and \\+, a q address', () => {
  const ws = workspace({
    php: [
      { path: '/etc/mod.ini', text: '; priority=20\nextension=ctype.so\n' },
      { path: '/etc/list', text: 'b\na\n' },
    ],
  });
  postinst(
    ws,
    'php',
    `p=$(sed -ne "s/^;[[:space:]]*priority[[:space:]]*=[[:space:]]*\\\\([0-9]\\\\+\\\\)[[:space:]]*$/\\\\1/p; /^[0-9]\\\\+$/q" /etc/mod.ini)
echo "$p" > /etc/priority
sed -e 's/[[:alpha:]]/x&/g' /etc/list > /etc/edited`,
  );
  assert.equal(textAt(ws, '/etc/priority'), '20\n');
  assert.equal(textAt(ws, '/etc/edited'), 'xb\nxa\n');
  assert.deepEqual(ws.unsupported, new Map());
});
