import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { parseSpec } from '../../../src/spec/load.js';

/** The line the CLI would print for this spec text. */
function oneLine(text: string, file = 'pith.yaml'): string {
  try {
    parseSpec(text, file);
  } catch (err) {
    assert.ok(isPithError(err), `not a PithError: ${String(err)}`);
    assert.equal(err.kind, 'spec');
    assert.equal(err.exitCode, 2);
    return err.oneLine();
  }
  assert.fail(`no error for:\n${text}`);
}

const MODE_HINT = 'write modes as quoted octal strings, e.g. "0755" (a bare 0755 is read as decimal by YAML 1.2)';
const ARCHS = 'valid: amd64, arm64, arm, 386, ppc64le, s390x, riscv64';
const PORT = 'expected a port 1-65535 with an optional /tcp, /udp or /sctp, like 8080 or "53/udp"';

/** [what, spec text, the exact line]. Positions are 1-based line:column of the offending token. */
const cases: [string, string, string][] = [
  // The document itself
  ['duplicate key', 'name: a\ntag: x\nname: b\n', 'pith.yaml:3:1: invalid YAML: duplicate key "name"'],
  [
    'YAML syntax',
    'name: a\nentrypoint: [a, b\n',
    'pith.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  ['unterminated YAML quote', 'name: "a\n', 'pith.yaml:2:1: invalid YAML: Missing closing "quote'],
  ['tab indentation', 'name: a\nenv:\n\tA: b\n', 'pith.yaml:3:1: invalid YAML: Tabs are not allowed as indentation'],
  [
    'two documents',
    'name: a\n---\nname: b\n',
    'pith.yaml:2:1: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()',
  ],
  [
    'unresolved alias',
    'name: a\nlabels: *nope\n',
    'pith.yaml:2:9: invalid YAML: Unresolved alias (the anchor must be set before the alias): nope',
  ],
  ['empty file', '', 'pith.yaml: the spec is empty (start with a mapping, e.g. name: myapp)'],
  ['only comments', '# nothing yet\n\n', 'pith.yaml: the spec is empty (start with a mapping, e.g. name: myapp)'],
  [
    'top level is a list',
    '- name: a\n',
    'pith.yaml:1:1: expected a mapping of keys like name: and entrypoint: at the top level, got a list',
  ],
  [
    'top level is a string',
    '# c\nhello\n',
    'pith.yaml:2:1: expected a mapping of keys like name: and entrypoint: at the top level, got a single value',
  ],

  // Unknown keys
  [
    'unknown key, near miss',
    'name: a\nentripoint: [a]\n',
    'pith.yaml:2:1: entripoint: unknown key (did you mean "entrypoint"?)',
  ],
  [
    'unknown key, other spelling',
    'name: a\nstop_signal: SIGINT\n',
    'pith.yaml:2:1: stop_signal: unknown key (did you mean "stop-signal"?)',
  ],
  [
    'unknown key, camelCase',
    'name: a\nstopSignal: SIGINT\n',
    'pith.yaml:2:1: stopSignal: unknown key (did you mean "stop-signal"?)',
  ],
  ['unknown key, no suggestion', 'name: a\nfrobnicate: 1\n', 'pith.yaml:2:1: frobnicate: unknown key'],
  [
    'unknown key, small object lists keys',
    'name: a\nfiles:\n  - src: a\n    dest: /a\n    perms: "0644"\n',
    'pith.yaml:5:5: files[0].perms: unknown key (expected src, dest, mode, owner)',
  ],
  [
    'unknown key in a flow mapping',
    'name: a\nbinaries: [{src: /a, dst: /b}]\n',
    'pith.yaml:2:22: binaries[0].dst: unknown key (did you mean "dest"?)',
  ],
  ['unknown key with odd characters', 'name: a\n"my key": 1\n', 'pith.yaml:2:1: "my key": unknown key'],

  // name, tag
  ['name missing', '# spec\ntag: v1\n', 'pith.yaml:2:1: name: required'],
  ['name missing in an empty mapping', '{}\n', 'pith.yaml:1:1: name: required'],
  [
    'name uppercase',
    'name: MyApp\n',
    'pith.yaml:1:7: name: must be a lowercase repository name: a-z and 0-9, separated by ".", "_", "-" or "/" (e.g. "myapp" or "acme/api"), got "MyApp"',
  ],
  [
    'name with a trailing separator',
    'name: acme/\n',
    'pith.yaml:1:7: name: must be a lowercase repository name: a-z and 0-9, separated by ".", "_", "-" or "/" (e.g. "myapp" or "acme/api"), got "acme/"',
  ],
  ['name not a string', 'name: [a]\n', 'pith.yaml:1:7: name: expected an image name like "myapp", got a list'],
  ['name empty', 'name:\n', 'pith.yaml:1:1: name: expected an image name like "myapp", got nothing'],
  [
    'tag as a number',
    'name: a\ntag: 1.0\n',
    'pith.yaml:2:6: tag: expected a string, got a number (quote it, e.g. "1.0")',
  ],
  [
    'tag syntax',
    'name: a\ntag: -rc1\n',
    'pith.yaml:2:6: tag: must be a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), got "-rc1"',
  ],

  // archs
  [
    'unknown arch with an alias',
    'name: a\narchs: [amd64, x86_64]\n',
    `pith.yaml:2:16: archs[1]: unknown architecture "x86_64", did you mean "amd64"? (${ARCHS})`,
  ],
  ['unknown arch', 'name: a\narchs:\n  - mips\n', `pith.yaml:3:5: archs[0]: unknown architecture "mips" (${ARCHS})`],
  ['arch not a string', 'name: a\narchs: [64]\n', `pith.yaml:2:9: archs[0]: expected an architecture name (${ARCHS})`],
  [
    'archs empty',
    'name: a\narchs: []\n',
    'pith.yaml:2:8: archs: must not be empty (leave it out to build for the host architecture)',
  ],
  [
    'archs duplicate',
    'name: a\narchs: [arm64, amd64, arm64]\n',
    'pith.yaml:2:23: archs[2]: duplicate architecture "arm64" (already at index 0)',
  ],
  [
    'archs not a list',
    'name: a\narchs: amd64\n',
    'pith.yaml:2:8: archs: expected a list of architectures like [amd64, arm64], got a string',
  ],

  // created
  [
    'created not RFC 3339',
    'name: a\ncreated: 2024-01-01\n',
    'pith.yaml:2:10: created: expected an RFC 3339 time like "2024-01-01T00:00:00Z" or unix seconds, got "2024-01-01"',
  ],
  [
    'created impossible date',
    'name: a\ncreated: 2023-02-29T00:00:00Z\n',
    'pith.yaml:2:10: created: not a valid date and time: "2023-02-29T00:00:00Z"',
  ],
  [
    'created before 1970',
    'name: a\ncreated: 1970-01-01T01:00:00+02:00\n',
    'pith.yaml:2:10: created: must not be before 1970-01-01T00:00:00Z, got "1970-01-01T01:00:00+02:00"',
  ],
  [
    'created negative',
    'name: a\ncreated: -1\n',
    'pith.yaml:2:10: created: must not be negative (seconds since 1970-01-01T00:00:00Z)',
  ],
  [
    'created fractional',
    'name: a\ncreated: 1.5\n',
    'pith.yaml:2:10: created: expected an RFC 3339 time string like "2024-01-01T00:00:00Z" or unix seconds, got a number (1.5)',
  ],

  // entrypoint, cmd
  [
    'entrypoint a number',
    'name: a\nentrypoint: 5\n',
    'pith.yaml:2:13: entrypoint: expected a list of strings (or one string, split like a shell would), got a number (5)',
  ],
  [
    'entrypoint a mapping',
    'name: a\nentrypoint:\n  run: x\n',
    'pith.yaml:3:3: entrypoint: expected a list of strings (or one string, split like a shell would), got a mapping',
  ],
  [
    'cmd with a number',
    'name: a\ncmd: [--port, 8080]\n',
    'pith.yaml:2:15: cmd[1]: expected a string, got a number (quote it)',
  ],
  [
    'cmd unterminated quote',
    `name: a\ncmd: "run 'fast"\n`,
    'pith.yaml:2:6: cmd: unterminated single quote (opened at character 5; close it, or write a list of strings)',
  ],

  // env, labels, annotations
  ['env name with =', 'name: a\nenv:\n  A=B: x\n', 'pith.yaml:3:3: env["A=B"]: names must not contain "="'],
  [
    'env value missing',
    'name: a\nenv:\n  A: 1\n  EMPTY:\n',
    'pith.yaml:4:3: env.EMPTY: expected a string, got nothing (write "" for an empty value)',
  ],
  ['env value a list', 'name: a\nenv: {A: [1]}\n', 'pith.yaml:2:10: env.A: expected a string, got a list'],
  ['env a list', 'name: a\nenv: [A=1]\n', 'pith.yaml:2:6: env: expected a mapping of NAME: value, got a list'],
  [
    'label value a number',
    'name: a\nlabels:\n  org.opencontainers.image.version: 1.0\n',
    'pith.yaml:3:37: labels["org.opencontainers.image.version"]: expected a string, got a number (quote it)',
  ],
  [
    'annotation value a boolean',
    'name: a\nannotations: {x: true}\n',
    'pith.yaml:2:18: annotations.x: expected a string, got a boolean (quote it)',
  ],

  // image paths
  [
    'workdir relative',
    'name: a\nworkdir: app\n',
    'pith.yaml:2:10: workdir: must be an absolute image path (start with "/"), got "app"',
  ],
  [
    'workdir with ..',
    'name: a\nworkdir: /srv/../app\n',
    'pith.yaml:2:10: workdir: must not contain ".." components (write the path it leads to), got "/srv/../app"',
  ],
  [
    'volume relative',
    'name: a\nvolumes: [/data, cache]\n',
    'pith.yaml:2:18: volumes[1]: must be an absolute image path (start with "/"), got "cache"',
  ],
  [
    'volume duplicate after normalizing',
    'name: a\nvolumes: [/data, /data/]\n',
    'pith.yaml:2:18: volumes[1]: duplicate volume "/data" (already at index 0)',
  ],
  [
    'files dest with ..',
    'name: a\nfiles:\n  - src: a\n    dest: /etc/../x\n',
    'pith.yaml:4:11: files[0].dest: must not contain ".." components (write the path it leads to), got "/etc/../x"',
  ],
  [
    'paths path relative',
    'name: a\npaths: [{path: tmp, type: dir}]\n',
    'pith.yaml:2:16: paths[0].path: must be an absolute image path (start with "/"), got "tmp"',
  ],

  // files
  ['files src missing', 'name: a\nfiles:\n  - dest: /a\n', 'pith.yaml:3:5: files[0].src: required'],
  ['files src empty', 'name: a\nfiles: [{src: "", dest: /a}]\n', 'pith.yaml:2:15: files[0].src: must not be empty'],
  [
    'files entry not a mapping',
    'name: a\nfiles: [./a]\n',
    'pith.yaml:2:9: files[0]: expected a mapping with src: and dest:, got a string',
  ],
  [
    'files not a list',
    'name: a\nfiles:\n  src: a\n',
    'pith.yaml:3:3: files: expected a list of { src, dest } mappings, got a mapping',
  ],
  [
    'mode as a YAML number',
    'name: a\nfiles:\n  - src: a\n    dest: /a\n    mode: 0755\n',
    `pith.yaml:5:11: files[0].mode: ${MODE_HINT}`,
  ],
  [
    'mode as a YAML octal number',
    'name: a\npaths: [{path: /a, type: dir, mode: 0o755}]\n',
    `pith.yaml:2:37: paths[0].mode: ${MODE_HINT}`,
  ],
  [
    'mode not octal',
    'name: a\nfiles: [{src: a, dest: /a, mode: "0789"}]\n',
    'pith.yaml:2:34: files[0].mode: expected an octal mode like "0755" (up to 4 digits 0-7), got "0789"',
  ],
  [
    'mode too long',
    'name: a\nfiles: [{src: a, dest: /a, mode: "75555"}]\n',
    'pith.yaml:2:34: files[0].mode: expected an octal mode like "0755" (up to 4 digits 0-7), got "75555"',
  ],
  [
    'owner malformed',
    'name: a\nfiles: [{src: a, dest: /a, owner: "app:"}]\n',
    'pith.yaml:2:35: files[0].owner: expected a user like "65532", "65532:65532" or "nonroot:nonroot", got "app:"',
  ],
  [
    'owner negative',
    'name: a\nfiles: [{src: a, dest: /a, owner: -1}]\n',
    'pith.yaml:2:35: files[0].owner: must be between 0 and 2147483647',
  ],

  // binaries
  [
    'binary relative without dest',
    'name: a\nbinaries: [./app]\n',
    'pith.yaml:2:12: binaries[0]: "./app" is not an absolute path, so it cannot also be the image path (write src: and dest:)',
  ],
  [
    'binary mapping relative without dest',
    'name: a\nbinaries:\n  - src: build/app\n',
    'pith.yaml:3:5: binaries[0].dest: required when src is not an absolute path (where in the image should "build/app" go?)',
  ],
  ['binary src missing', 'name: a\nbinaries:\n  - dest: /app\n', 'pith.yaml:3:5: binaries[0].src: required'],
  [
    'binary not a string',
    'name: a\nbinaries: [42]\n',
    'pith.yaml:2:12: binaries[0]: expected a host path, or a mapping with src: and dest:, got a number (42)',
  ],

  // paths
  [
    'paths type missing',
    'name: a\npaths:\n  - path: /a\n',
    'pith.yaml:3:5: paths[0].type: required: one of "dir", "file" or "symlink"',
  ],
  [
    'paths type wrong',
    'name: a\npaths:\n  - path: /a\n    type: directory\n',
    'pith.yaml:4:11: paths[0].type: expected "dir", "file" or "symlink", got "directory"',
  ],
  [
    'paths file without content',
    'name: a\npaths:\n  - {path: /a, type: file}\n',
    'pith.yaml:3:5: paths[0].content: required for type: file (the text to write)',
  ],
  [
    'paths symlink without target',
    'name: a\npaths:\n  - {path: /a, type: symlink}\n',
    'pith.yaml:3:5: paths[0].target: required for type: symlink (where the link points)',
  ],
  [
    'paths symlink with a mode',
    'name: a\npaths:\n  - {path: /a, type: symlink, target: b, mode: "0777"}\n',
    'pith.yaml:3:42: paths[0].mode: unknown key (expected path, type, target, owner)',
  ],
  [
    'paths entry not a mapping',
    'name: a\npaths: [/a]\n',
    'pith.yaml:2:9: paths[0]: expected a mapping with path: and type:, got a string',
  ],

  // accounts
  [
    'accounts user uid missing',
    'name: a\naccounts:\n  users:\n    - name: app\n',
    'pith.yaml:4:7: accounts.users[0].uid: required',
  ],
  [
    'accounts uid too big',
    'name: a\naccounts:\n  users: [{name: app, uid: 2147483648}]\n',
    'pith.yaml:3:28: accounts.users[0].uid: must be between 0 and 2147483647',
  ],
  [
    'accounts uid not an integer',
    'name: a\naccounts:\n  users: [{name: app, uid: "1000"}]\n',
    'pith.yaml:3:28: accounts.users[0].uid: expected an integer, got a string',
  ],
  [
    'accounts duplicate user',
    'name: a\naccounts:\n  users:\n    - {name: app, uid: 1}\n    - {name: app, uid: 2}\n',
    'pith.yaml:5:14: accounts.users[1].name: duplicate user name "app" (already at index 0)',
  ],
  [
    'accounts duplicate group',
    'name: a\naccounts:\n  groups: [{name: g, gid: 1}, {name: g, gid: 2}]\n',
    'pith.yaml:3:38: accounts.groups[1].name: duplicate group name "g" (already at index 0)',
  ],
  [
    'accounts preset',
    'name: a\naccounts: {preset: debian}\n',
    'pith.yaml:2:20: accounts.preset: expected "distroless" or "none", got "debian"',
  ],
  [
    'accounts user name',
    'name: a\naccounts: {users: [{name: "my app", uid: 1}]}\n',
    'pith.yaml:2:27: accounts.users[0].name: expected a user or group name (a letter or "_", then letters, digits, ".", "_" or "-", at most 32), got "my app"',
  ],
  [
    'accounts home with a colon',
    'name: a\naccounts: {users: [{name: a, uid: 1, home: "/a:b"}]}\n',
    'pith.yaml:2:44: accounts.users[0].home: must not contain ":" or a newline (they delimit /etc/passwd fields)',
  ],
  [
    'accounts unknown user key',
    'name: a\naccounts: {users: [{name: a, uid: 1, groups: [x]}]}\n',
    'pith.yaml:2:38: accounts.users[0].groups: unknown key (expected name, uid, gid, home, shell, gecos)',
  ],
  [
    'accounts group member',
    'name: a\naccounts: {groups: [{name: g, gid: 1, members: [7]}]}\n',
    'pith.yaml:2:49: accounts.groups[0].members[0]: expected a user or group name, got a number (7)',
  ],

  // ports, user, stop-signal
  ['port out of range', 'name: a\nports: [80, 70000]\n', `pith.yaml:2:13: ports[1]: ${PORT}, got 70000`],
  ['port string out of range', 'name: a\nports: ["0/udp"]\n', `pith.yaml:2:9: ports[0]: ${PORT}, got "0/udp"`],
  ['port protocol', 'name: a\nports: [80/http]\n', `pith.yaml:2:9: ports[0]: ${PORT}, got "80/http"`],
  [
    'port a boolean',
    'name: a\nports: [true]\n',
    'pith.yaml:2:9: ports[0]: expected a port like 8080 or "53/udp", got a boolean (true)',
  ],
  [
    'port duplicate after normalizing',
    'name: a\nports: [8080, "8080/tcp"]\n',
    'pith.yaml:2:15: ports[1]: duplicate port "8080/tcp" (already at index 0)',
  ],
  [
    'user malformed',
    'name: a\nuser: "app user"\n',
    'pith.yaml:2:7: user: expected a user like "nonroot", "65532" or "65532:65532", got "app user"',
  ],
  [
    'stop-signal lowercase',
    'name: a\nstop-signal: sigterm\n',
    'pith.yaml:2:14: stop-signal: expected a signal name like "SIGTERM" or a number, got "sigterm"',
  ],
  ['stop-signal out of range', 'name: a\nstop-signal: 99\n', 'pith.yaml:2:14: stop-signal: must be between 1 and 64'],
  [
    'stop-signal string out of range',
    'name: a\nstop-signal: "65"\n',
    'pith.yaml:2:14: stop-signal: expected a signal name like "SIGTERM" or a number, got "65"',
  ],
];

for (const [what, text, expected] of cases) {
  test(`error: ${what}`, () => {
    assert.equal(oneLine(text), expected);
  });
}

test('several problems: the first by position is reported, with a count of the rest', () => {
  // zod reports `name` first (schema order); the file has entrypoint first.
  const text = 'entrypoint: 5\nentripoint: x\nname: A\n';
  assert.equal(
    oneLine(text),
    'pith.yaml:1:13: entrypoint: expected a list of strings (or one string, split like a shell would), got a number (5) (and 2 more)',
  );
});

test('the file is named as given', () => {
  assert.equal(oneLine('name: a\nfoo: 1\n', 'deploy/api.pith.yaml'), 'deploy/api.pith.yaml:2:1: foo: unknown key');
  assert.equal(oneLine('', '../x.json'), '../x.json: the spec is empty (start with a mapping, e.g. name: myapp)');
});

test('errors carry where and message separately', () => {
  try {
    parseSpec('name: a\nfiles: [{src: a, dest: /a, mode: 644}]\n', 'pith.yaml');
    assert.fail('no error');
  } catch (err) {
    assert.ok(isPithError(err));
    assert.equal(err.where, 'pith.yaml:2:34');
    assert.equal(err.message, `files[0].mode: ${MODE_HINT}`);
    assert.equal(err.hint, undefined);
  }
});
