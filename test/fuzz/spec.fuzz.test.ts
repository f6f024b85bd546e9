/** Fuzzed specs: parseSpec returns a spec or a one-line spec error (exit 2), quickly, whatever the text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../src/errors.js';
import { parseSpec } from '../../src/spec/load.js';
import { assertCleanError, caseRng, FUZZ_CASES, FUZZ_SEED, mutateBytes, type Rng } from '../helpers/fuzz.js';

const SEEDS = [
  'name: hello\nentrypoint: [/usr/bin/echo, hi]\nuser: nonroot\nbinaries:\n  - src: /usr/bin/echo\n',
  'name: acme/api\ntag: "1.0"\ndebian: bookworm\npreset: cc\nvariants: [nonroot]\npackages: [curl, "libssl3 (>= 3.0.9)"]\nexclude: [debconf]\nenv: {A: b, PATH: /bin}\nlabels:\n  org.opencontainers.image.title: api\nports: [8080, "53/udp"]\n',
  'name: x\npaths:\n  - {path: /etc/app.conf, type: file, content: "port = 8080\\n", mode: "0644"}\n  - {path: /usr/bin/app, type: symlink, target: /opt/app}\n  - {path: /var/lib/app, type: dir, owner: nonroot}\ntrim: closure\nkeep: ["/etc/**"]\n',
  '{"name": "json", "entrypoint": ["/a"], "archs": ["amd64", "arm64"], "created": 1700000000}\n',
  'name: a\naccounts:\n  users: [{name: app, uid: 1000, gid: 1000, home: /home/app}]\n  groups: [{name: app, gid: 1000}]\nbase: oci:../runtime.oci:1.4\ncmd: "run --port 8080"\n',
];

const SNIPPETS = [
  '\n',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!str ',
  '? ',
  '|\n  ',
  '>-\n  ',
  '#',
  '---\n',
  '...\n',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u001b]0;x\u0007',
  '\u202e',
  '\u2028',
  '\ufeff',
  'é',
  '\ud83d\ude00',
  '0755',
  '1e999',
  '-0',
  '0x1F',
  '.inf',
  '~',
  'null',
  'true',
  '/'.repeat(200),
  'a'.repeat(5000),
  '../../etc',
  '\\x00',
  '%YAML 1.1\n',
  'key: &b [*b]\n',
];

function mutateText(rng: Rng, text: string): string {
  switch (rng.int(6)) {
    case 0:
    case 1: {
      let out = text;
      for (let i = 0, n = 1 + rng.int(6); i < n; i++) {
        const at = rng.int(out.length + 1);
        out = out.slice(0, at) + rng.pick(SNIPPETS) + out.slice(at);
      }
      return out;
    }
    case 2: {
      const lines = text.split('\n');
      const i = rng.int(lines.length);
      lines.splice(i, 0, ...Array.from({ length: 1 + rng.int(50) }, () => lines[rng.int(lines.length)]!));
      return lines.join('\n');
    }
    case 3: {
      const depth = 1 + rng.int(3000);
      const open = rng.pick(['[', '{a: ', '- ']);
      return `${text}nest: ${open.repeat(depth)}x\n`;
    }
    case 4:
      return `${text}labels: {${Array.from({ length: 1 + rng.int(2000) }, (_, i) => `k${i % (1 + rng.int(4000))}: v`).join(', ')}}\n`;
    default:
      return new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(text)));
  }
}

test(`${FUZZ_CASES} fuzzed specs: a spec or one clean spec error, each within 5 s (seed ${FUZZ_SEED})`, () => {
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < FUZZ_CASES; i++) {
    const rng = caseRng('spec', i);
    const text = mutateText(rng, rng.pick(SEEDS));
    const label = `spec case ${i} (PITH_FUZZ_SEED=${FUZZ_SEED})`;
    const started = performance.now();
    try {
      parseSpec(text, 'fuzz.yaml');
      parsed++;
    } catch (err) {
      assertCleanError(err, label);
      assert.ok(isPithError(err) && err.exitCode === 2, `${label}: exit code ${isPithError(err) ? err.exitCode : '?'}`);
      refused++;
    }
    const ms = performance.now() - started;
    // A hang or a quadratic blow-up, not a slow machine: linear parsing of 1 MiB takes well under a second.
    assert.ok(ms < 5000, `${label}: took ${ms.toFixed(0)} ms`);
  }
  assert.equal(parsed + refused, FUZZ_CASES);
  assert.ok(refused > 0 && parsed > 0, `both outcomes occur (parsed ${parsed}, refused ${refused})`);
});
