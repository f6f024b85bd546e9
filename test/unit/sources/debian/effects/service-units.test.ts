import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyServiceUnits, serviceSettings } from '../../../../../src/sources/debian/effects/service-units.js';
import { entryAt, workspace } from '../../../../helpers/effects-ws.js';

test('serviceSettings: the [Service] section, repeated keys in order, continuation lines', () => {
  const s = serviceSettings(
    '[Unit]\nUser=nope\n[Service]\nUser=svc\nExecStartPre=/bin/mkdir -p \\\n  /run/x\nExecStartPre=-/bin/chown svc /run/x\n# comment\n',
  );
  assert.deepEqual(s.get('User'), ['svc']);
  assert.deepEqual(s.get('ExecStartPre'), ['/bin/mkdir -p    /run/x', '-/bin/chown svc /run/x']);
});

test("a unit's *Directory= settings and ExecStartPre= mkdir/chown lines make directories as systemd would; other lines are left to the start", () => {
  const ws = workspace({
    mosquitto: [
      {
        path: '/lib/systemd/system/mosquitto.service',
        text: `[Service]
User=mosquitto
RuntimeDirectory=svc
StateDirectory=svc/data
LogsDirectory=svc
LogsDirectoryMode=0750
ConfigurationDirectory=svc
ExecStartPre=/usr/sbin/mosquitto -t
ExecStartPre=/bin/mkdir -m 740 -p /run/mosquitto
ExecStartPre=/bin/chown mosquitto %t/mosquitto
ExecStartPre=/bin/mkdir -p $HOME/x
`,
      },
      { path: '/lib/systemd/system/templated@.service', text: '[Service]\nRuntimeDirectory=never\n' },
      { path: '/var/log', dir: true },
    ],
  });
  ws.accounts.addUser('mosquitto', {
    name: 'mosquitto',
    group: 'own',
    home: '/var/lib/mosquitto',
    shell: '/usr/sbin/nologin',
    gecos: '',
    system: true,
  });
  const m = ws.accounts.toAccounts().users.find((u) => u.name === 'mosquitto')!;
  applyServiceUnits(ws);
  const at = (p: string) => {
    const e = entryAt(ws, p)!;
    return [e.mode.toString(8), e.uid, e.gid];
  };
  assert.deepEqual(at('/run/svc'), ['755', m.uid, m.gid]);
  assert.deepEqual(at('/var/lib/svc/data'), ['755', m.uid, m.gid]);
  assert.deepEqual(at('/var/log/svc'), ['750', m.uid, m.gid]);
  assert.deepEqual(at('/etc/svc'), ['755', 0, 0], 'configuration directories stay root');
  assert.deepEqual(at('/run/mosquitto'), ['740', m.uid, 0]);
  assert.equal(entryAt(ws, '/run/never'), undefined, 'templates are not instances');
  assert.deepEqual(ws.unsupported, new Map(), 'the configuration check and a line with a variable are not warnings');
});
