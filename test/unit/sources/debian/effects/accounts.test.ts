import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSTEM_IDS } from '../../../../../src/sources/debian/effects/accounts-db.js';
import { entryAt, postinst, workspace } from '../../../../helpers/effects-ws.js';

const user = (ws: ReturnType<typeof workspace>, name: string) =>
  ws.accounts.toAccounts().users.find((u) => u.name === name);
const group = (ws: ReturnType<typeof workspace>, name: string) =>
  ws.accounts.toAccounts().groups.find((g) => g.name === name);

test('adduser --system --group --home: a system user and its group with one id, its home created and owned', () => {
  const ws = workspace({ 'redis-tools': [{ path: '/var/lib', dir: true }] });
  postinst(ws, 'redis-tools', 'adduser --system --home /var/lib/redis --quiet --group redis || true');
  const redis = user(ws, 'redis')!;
  assert.ok(redis.uid >= SYSTEM_IDS.first && redis.uid <= SYSTEM_IDS.last, `uid ${redis.uid}`);
  assert.equal(redis.gid, redis.uid);
  assert.equal(group(ws, 'redis')!.gid, redis.uid);
  assert.deepEqual([redis.home, redis.shell, redis.gecos], ['/var/lib/redis', '/usr/sbin/nologin', '']);
  const home = entryAt(ws, '/var/lib/redis')!;
  assert.deepEqual(
    [home.type, home.mode, home.uid, home.gid, home.origin.kind, home.origin.package],
    ['dir', 0o755, redis.uid, redis.uid, 'effect', 'redis-tools'],
  );
  assert.deepEqual(ws.unsupported, new Map());
});

test('ids come from the name: the same in any package set and order; adduser of an existing user changes nothing', () => {
  const a = workspace();
  postinst(a, 'p', 'adduser --system --group postgres; adduser --system --group redis');
  const b = workspace();
  postinst(b, 'p', 'adduser --system --group redis; adduser --system memcache; adduser --system --group postgres');
  assert.equal(user(a, 'postgres')!.uid, user(b, 'postgres')!.uid);
  assert.equal(user(a, 'redis')!.uid, user(b, 'redis')!.uid);
  postinst(b, 'q', 'adduser --system --shell /bin/bash --group redis');
  assert.equal(user(b, 'redis')!.shell, '/usr/sbin/nologin', 'existing user kept');
});

test('adduser without a group gets nogroup (distroless calls gid 65534 nobody); --ingroup; --no-create-home; membership', () => {
  const ws = workspace();
  postinst(
    ws,
    'mosquitto',
    `addgroup --quiet --system mosquitto
adduser --quiet --system --no-create-home --ingroup mosquitto --home /var/lib/mosquitto --shell /usr/sbin/nologin mosquitto
adduser --system --disabled-login --gecos "Memcached" --shell /bin/false memcache
adduser mosquitto staff`,
  );
  assert.equal(user(ws, 'mosquitto')!.gid, group(ws, 'mosquitto')!.gid);
  assert.equal(entryAt(ws, '/var/lib/mosquitto'), undefined, 'no home made');
  assert.deepEqual(
    [user(ws, 'memcache')!.gid, user(ws, 'memcache')!.gecos, user(ws, 'memcache')!.home],
    [65534, 'Memcached', '/nonexistent'],
  );
  assert.deepEqual(group(ws, 'staff')!.members, ['mosquitto']);
});

test('useradd and groupadd: -r, -m, -d, -s, -g, -G, -U, -N, -u and -g numbers', () => {
  const ws = workspace({ base: [{ path: '/srv', dir: true }] });
  postinst(
    ws,
    'svc',
    `groupadd -r -g 777 svcgroup
useradd -r -m -d /srv/svc -s /bin/false -G svcgroup svc
useradd --system --no-user-group --uid 778 plain
useradd -r -g svcgroup member`,
  );
  const svc = user(ws, 'svc')!;
  assert.deepEqual([svc.home, svc.shell, group(ws, 'svc')!.gid], ['/srv/svc', '/bin/false', svc.gid]);
  assert.deepEqual(group(ws, 'svcgroup'), { name: 'svcgroup', gid: 777, members: ['svc'] });
  assert.equal(entryAt(ws, '/srv/svc')!.uid, svc.uid);
  assert.deepEqual([user(ws, 'plain')!.uid, user(ws, 'plain')!.gid], [778, 100], 'no own group: users');
  assert.equal(user(ws, 'member')!.gid, 777);
  assert.equal(entryAt(ws, '/home/member'), undefined, 'useradd makes no home without -m');
});

test("Debian's static accounts come in when a script uses them, with their fixed ids", () => {
  const ws = workspace({ 'nginx-common': [{ path: '/var/log/nginx', dir: true }] });
  postinst(
    ws,
    'nginx-common',
    'touch /var/log/nginx/access.log; chown www-data:adm /var/log/nginx/access.log; chmod 640 /var/log/nginx/access.log',
  );
  assert.deepEqual(user(ws, 'www-data'), {
    name: 'www-data',
    uid: 33,
    gid: 33,
    gecos: 'www-data',
    home: '/var/www',
    shell: '/usr/sbin/nologin',
  });
  assert.equal(group(ws, 'adm')!.gid, 4);
  const log = entryAt(ws, '/var/log/nginx/access.log')!;
  assert.deepEqual([log.uid, log.gid, log.mode], [33, 4, 0o640]);
  assert.deepEqual([...ws.accounts.addedUsers], [['www-data', 'nginx-common']]);
});

test('bad account commands are reported, never guessed: bad names, unknown options, taken ids, unknown owners', () => {
  const ws = workspace({ p: [{ path: '/etc/p.conf', text: 'x' }] });
  postinst(
    ws,
    'p',
    `adduser --system 'bad:name' || true
adduser --system --frobnicate svc || true
useradd -r -u 0 thief || true
chown nosuchuser /etc/p.conf || true
adduser someone`,
  );
  const accounts = ws.accounts.toAccounts();
  assert.ok(!accounts.users.some((u) => ['bad:name', 'svc', 'thief', 'someone', 'nosuchuser'].includes(u.name)));
  const said = ws.unsupported.get('p')!.join('\n');
  assert.match(said, /"bad:name" is not a valid account name/);
  assert.match(said, /adduser --system --frobnicate svc/);
  assert.match(said, /user id 0 for thief is already used/);
  assert.match(said, /chown to user nosuchuser, which nothing creates/);
  assert.match(said, /adduser of a login user someone/);
  assert.equal(entryAt(ws, '/etc/p.conf')!.origin.kind, 'package', 'file left as the package shipped it');
});
