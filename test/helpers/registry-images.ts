/** Images for the registry tests, built by pith's own CLI into OCI layouts. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastLine, runPith } from './cli.js';

export interface BuiltLayout {
  layout: string;
  digest: string;
  tag: string;
}

function buildSpec(dir: string, name: string, spec: string, cache: string, extra: string[] = []): BuiltLayout {
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, `${name}.yaml`);
  writeFileSync(specPath, spec);
  const layout = join(dir, `${name}.oci`);
  const r = runPith(['build', specPath, '-o', layout, '-q', '--cache-dir', cache, ...extra]);
  if (r.code !== 0) throw new Error(`pith build ${name} failed: ${r.stderr}`);
  const tag = /^tag: (.+)$/m.exec(spec)?.[1] ?? 'latest';
  return { layout, digest: lastLine(r.stdout), tag };
}

/** The host's /usr/bin/echo with its libraries: runs anywhere this machine's runtimes do. */
export function buildEcho(dir: string, cache: string, message = 'hello from a pushed pith image'): BuiltLayout {
  return buildSpec(
    dir,
    'echo',
    `name: registry-test/echo
tag: v1
entrypoint: [/usr/bin/echo, ${JSON.stringify(message)}]
user: nonroot
env:
  GREETING: from-the-base
workdir: /home/nonroot
labels:
  org.example.base: "yes"
binaries:
  - src: /usr/bin/echo
`,
    cache,
  );
}

/** amd64 + arm64 with only inline files: an OCI index, no binaries needed. */
export function buildMultiArch(dir: string, cache: string): BuiltLayout {
  return buildSpec(
    dir,
    'multi',
    `name: registry-test/multi
tag: both
archs: [amd64, arm64]
paths:
  - {path: /etc/app.conf, type: file, content: "multi-arch\\n"}
`,
    cache,
  );
}

/** An image with one large incompressible file, for upload paths with several chunks. */
export function buildLarge(dir: string, cache: string, bytes: number): BuiltLayout {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'blob.bin'), randomBytes(bytes));
  return buildSpec(
    dir,
    'large',
    `name: registry-test/large
tag: big
files:
  - {src: blob.bin, dest: /data/blob.bin}
`,
    cache,
  );
}
