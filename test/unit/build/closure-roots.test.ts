/** The trim: closure roots an image config names (build/closure-roots.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closureRoots } from '../../../src/build/closure-roots.js';

test('the command is entrypoint[0]; arguments that are paths, WorkingDir, volumes and env paths are named', () => {
  const roots = closureRoots({
    Entrypoint: [
      '/usr/bin/python3',
      '-u',
      '/app/app.py',
      '--config=/etc/app.toml',
      'static/index.html',
      '-m',
      'http.server',
      'https://example.org/x',
    ],
    Cmd: ['--data', '/srv/data'],
    WorkingDir: '/app',
    Volumes: { '/var/lib/app': {} },
    Env: ['PATH=/opt/bin:/usr/bin', 'LD_LIBRARY_PATH=/opt/lib', 'PYTHONPATH=/app/lib:/opt/extra', 'LANG=C.UTF-8'],
  });
  assert.deepEqual(roots.roots, ['/usr/bin/python3']);
  assert.deepEqual(roots.path, ['/opt/bin', '/usr/bin']);
  assert.deepEqual(roots.named, [
    { path: '/app/app.py', why: 'entrypoint argument' },
    { path: '/etc/app.toml', why: 'entrypoint argument' },
    { path: '/app/static/index.html', why: 'entrypoint argument' },
    { path: '/app/http.server', why: 'entrypoint argument' },
    { path: '/srv/data', why: 'cmd argument' },
    { path: '/app', why: 'WorkingDir', subtree: false },
    { path: '/var/lib/app', why: 'volume' },
    { path: '/app/lib', why: 'env PYTHONPATH' },
    { path: '/opt/extra', why: 'env PYTHONPATH' },
  ]);
});

test('without an entrypoint cmd[0] is the command; a bare name is left for the PATH lookup, a relative path joins WorkingDir', () => {
  assert.deepEqual(closureRoots({ Cmd: ['node', 'server.js'], WorkingDir: '/srv' }).roots, ['node']);
  assert.deepEqual(closureRoots({ Cmd: ['node', 'server.js'], WorkingDir: '/srv' }).named[0], {
    path: '/srv/server.js',
    why: 'cmd argument',
  });
  assert.deepEqual(closureRoots({ Entrypoint: ['./run'], WorkingDir: '/srv' }).roots, ['/srv/run']);
  assert.deepEqual(closureRoots({ Env: ['PATH=/usr/bin'] }), { roots: [], path: ['/usr/bin'], named: [] });
  // "/" names everything: not a path to keep.
  assert.deepEqual(closureRoots({ Entrypoint: ['/bin/ls', '/'] }).named, []);
});
