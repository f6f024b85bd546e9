import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  runScript,
  ShellLimitError,
  ShellRuntimeError,
  type ShellHost,
} from '../../../../../src/sources/debian/effects/shell/interpreter.js';
import { parseScript, ShellSyntaxError } from '../../../../../src/sources/debian/effects/shell/parser.js';

/** Records every non-builtin command; `files` answers file tests, `<` and `.`. */
function recorder(files: Record<string, string> = {}) {
  const calls: string[][] = [];
  const writes: Array<[string, string, boolean]> = [];
  const host: ShellHost = {
    command: (argv, io) => {
      calls.push(argv);
      if (argv[0] === 'cat') return { status: 0, stdout: io.stdin() };
      if (argv[0] === 'status') return { status: Number(argv[1]) };
      if (argv[0] === 'say') return { status: 0, stdout: `${argv.slice(1).join(' ')}\n` };
      return { status: 0 };
    },
    source: (path) => files[path],
    readFile: (path) => files[path],
    writeFile: (path, data, append) => void writes.push([path, data, append]),
    fileTest: (op, path) => (op === '-e' || op === '-f' ? path in files : false),
    glob: (pattern) =>
      Object.keys(files)
        .filter((f) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(f))
        .sort(),
    lookup: (name) => (name === 'present' ? '/usr/bin/present' : undefined),
  };
  return { host, calls, writes };
}

const run = (script: string, args: string[] = ['configure', ''], files: Record<string, string> = {}) => {
  const r = recorder(files);
  const { status } = runScript(parseScript(script), r.host, { name: 'postinst', args, env: { DPKG_ROOT: '' } });
  return { ...r, status };
};

test('functions with positional parameters, as redis-tools Setup_dir does', () => {
  const { calls } = run(`#!/bin/sh
set -eu
USER="redis"
Setup_dir () {
	DIR="\${1}"
	MODE="\${2}"
	GROUP="\${3}"
	mkdir -p \${DIR}
	if ! dpkg-statoverride --list \${DIR} >/dev/null 2>&1
	then
		chown \${USER}:\${GROUP} \${DIR}
		chmod \${MODE} \${DIR}
	fi
}
if [ "$1" = "configure" ]
then
	adduser \\
		--system \\
		--home /var/lib/redis \\
		--quiet \\
		--group \\
		\${USER} || true
	Setup_dir /var/log/redis 2750 adm
fi
exit 0
`);
  assert.deepEqual(calls, [
    ['adduser', '--system', '--home', '/var/lib/redis', '--quiet', '--group', 'redis'],
    ['mkdir', '-p', '/var/log/redis'],
    ['dpkg-statoverride', '--list', '/var/log/redis'],
  ]);
});

test('case, elif, && and ||, ! and exit status', () => {
  const { calls, status } = run(`case "$1" in
  abort-upgrade|abort-remove) say no ;;
  configure)
    if [ -n "$2" ]; then say upgrade; elif [ -z "$2" ]; then say fresh; else say never; fi
    status 1 && say skipped || say fallback
    ! status 0 || say negated
    ;;
  *) say other ;;
esac
exit 3`);
  assert.deepEqual(
    calls.map((c) => c.join(' ')),
    ['say fresh', 'status 1', 'say fallback', 'status 0', 'say negated'],
  );
  assert.equal(status, 3);
});

test('expansions: defaults, trimming, lengths, $(...), backquotes, arithmetic and "$@"', () => {
  const { calls } = run(`x=/usr/lib/foo.so.1
say "\${x##*/}" "\${x%.*}" "\${#x}" "\${unset:-dflt}" "\${x:+set}" "\${y:=assigned}" "$y"
say "$(say inner | cat)" \`say back\` $((2 + 3 * 4))
set -- "a b" c
for arg in "$@"; do say "[$arg]"; done
for arg in $*; do say "<$arg>"; done
words="one   two"
say $words "$words" "\${DPKG_ROOT:+root}"`);
  assert.deepEqual(
    calls.filter((c) => c[0] === 'say').map((c) => c.slice(1)),
    [
      ['foo.so.1', '/usr/lib/foo.so', '17', 'dflt', 'set', 'assigned', 'assigned'],
      ['inner'],
      ['back'],
      ['inner', 'back', '14'],
      ['[a b]'],
      ['[c]'],
      ['<a>'],
      ['<b>'],
      ['<c>'],
      ['one', 'two', 'one   two', ''],
    ],
  );
});

test('here-documents and redirections write image files; >/dev/null and >&2 discard', () => {
  const { writes } = run(`ROOT=/etc/postgresql-common/root.crt
cat > "$ROOT" <<EOF
dummy for $ROOT
EOF
cat >> /etc/quoted <<'EOF'
no $expansion here
EOF
	cat <<-EOF > /etc/tabs
		stripped
	EOF
echo hidden >/dev/null
echo stderr >&2
echo visible > /etc/echo`);
  assert.deepEqual(writes, [
    ['/etc/postgresql-common/root.crt', 'dummy for /etc/postgresql-common/root.crt\n', false],
    ['/etc/quoted', 'no $expansion here\n', true],
    ['/etc/tabs', 'stripped\n', false],
    ['/etc/echo', 'visible\n', false],
  ]);
});

test('while read consumes stdin line by line; globbing asks the image', () => {
  const { calls } = run(
    `while read a b; do say "$a:$b"; done < /etc/list
for f in /etc/x/*.conf; do say "$f"; done
for f in /nothing/*.conf; do say "$f"; done`,
    [],
    { '/etc/list': 'k1 v1\nk2 v2 more\n', '/etc/x/b.conf': '', '/etc/x/a.conf': '' },
  );
  assert.deepEqual(
    calls.map((c) => c.slice(1).join(' ')),
    ['k1:v1', 'k2:v2 more', '/etc/x/a.conf', '/etc/x/b.conf', '/nothing/*.conf'],
  );
});

test('. sources image files; local restores; command -v asks the image; subshells restore variables', () => {
  const { calls } = run(
    `. /usr/share/lib.sh
v=outer
f() { local v=inner; say "$v"; }
f; say "$v"
(v=sub; say "$v"); say "$v"
if command -v present >/dev/null; then say has; fi
if ! command -v absent >/dev/null; then say lacks; fi
helper`,
    [],
    { '/usr/share/lib.sh': 'helper() { say from-lib; }\n' },
  );
  assert.deepEqual(
    calls.map((c) => c.slice(1).join(' ')),
    ['inner', 'outer', 'sub', 'outer', 'has', 'lacks', 'from-lib'],
  );
});

test('bad scripts: a syntax error names its line; endless loops and recursion hit the budgets', () => {
  assert.throws(
    () => parseScript('if true; then\n  echo x\n'),
    (e: unknown) => e instanceof ShellSyntaxError && /expected "fi"/.test(e.message),
  );
  assert.throws(() => parseScript('echo "unterminated\n'), ShellSyntaxError);
  assert.throws(() => parseScript('case x in\n a) echo ;;\n'), ShellSyntaxError);
  assert.throws(() => parseScript('cat <<EOF\nno end\n'), /here-document/);
  assert.throws(() => parseScript('echo ok\nfi'), /line 2: unexpected "fi"/);
  assert.throws(() => parseScript('x=${y'), ShellSyntaxError);
  const r = recorder();
  const go = (text: string) => runScript(parseScript(text), r.host, { name: 'x', args: [], env: {}, maxSteps: 1000 });
  assert.throws(() => go('while true; do :; done'), ShellLimitError);
  assert.throws(() => go('f() { f; }; f'), ShellLimitError);
  assert.throws(() => go('echo ${missing?no value}'), ShellRuntimeError);
  assert.throws(() => go('echo $((1 / 0))'), ShellRuntimeError);
});

test('getopts walks grouped options and their arguments, then shifts them off', () => {
  const { calls } = run(
    `while getopts "v:sq" opt; do
  case $opt in
    v) say "version $OPTARG" ;;
    s) say silent ;;
    q) say quiet ;;
    \\?) say unknown ;;
  esac
done
shift $(($OPTIND - 1))
say "rest $*"`,
    ['-sq', '-v', '8.2', '-x', 'mod'],
  );
  assert.deepEqual(
    calls.map((c) => c.slice(1).join(' ')),
    ['silent', 'quiet', 'version 8.2', 'unknown', 'rest mod'],
  );
});

test('output: a function prints what it echoed before `return`; loops keep their order; pipes and $(...) capture', () => {
  const { writes } = run(`get_dir() { local v=$1; echo "/usr/lib/php/\${v}/sapi"; return 0; }
x=$(get_dir 8.2)
for i in 1 2 3; do echo "line $i"; done > /etc/lines
echo "$x" > /etc/x
early() { echo before; exit 4; echo after; }
y=$(early)
echo "[$y]" > /etc/y
echo a b | cat > /etc/piped`);
  assert.deepEqual(writes, [
    ['/etc/lines', 'line 1\nline 2\nline 3\n', false],
    ['/etc/x', '/usr/lib/php/8.2/sapi\n', false],
    ['/etc/y', '[before]\n', false],
    ['/etc/piped', 'a b\n', false],
  ]);
});

test('local: a name declared again without a value keeps its value (dash), and is restored on return', () => {
  const { calls } = run(`v=outer
f() { local v="$1"; local v; say "in $v"; }
f inner
say "out $v"`);
  assert.deepEqual(
    calls.map((c) => c.slice(1).join(' ')),
    ['in inner', 'out outer'],
  );
});
