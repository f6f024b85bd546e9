/** SBOMs written beside the output: valid, complete, deterministic. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';
import { cyclonedxSchemaErrors, spdxStructureErrors } from '../helpers/sbom-schemas.js';

type Spdx = {
  packages: Array<{
    name: string;
    versionInfo?: string;
    licenseDeclared?: string;
    externalRefs?: Array<{ referenceLocator: string }>;
    hasFiles?: string[];
  }>;
  files?: Array<{ fileName: string; checksums: Array<{ algorithm: string; checksumValue: string }> }>;
};

describe('SBOMs', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-sbom-'));
    cache = join(dir, 'cache');
    compileC(dir, 'tool', PRINT_PASSWD_LINE_C, ['-static']);
    writeFileSync(join(dir, 'pith.yaml'), 'name: t/sbom\npreset: cc\nfiles:\n  - {src: tool, dest: /app/tool}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SPDX and CycloneDX beside the output: valid, with every locked package, licences, present files and host files', () => {
    const out = join(dir, 'img.oci');
    const r = runPith(['build', join(dir, 'pith.yaml'), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    const spdx = JSON.parse(readFileSync(`${out}.spdx.json`, 'utf8')) as Spdx;
    const cdx = JSON.parse(readFileSync(`${out}.cdx.json`, 'utf8')) as {
      components: Array<{ name: string; purl?: string }>;
      metadata: { component: { hashes?: unknown } };
    };
    assert.deepEqual(spdxStructureErrors(spdx), []);
    assert.deepEqual(cyclonedxSchemaErrors(cdx), []);
    const lock = JSON.parse(readFileSync(join(dir, 'pith.lock'), 'utf8')) as {
      packages: Record<string, Array<{ name: string; version: string }>>;
    };
    const locked = Object.values(lock.packages)[0]!;
    for (const p of locked) {
      const pkg = spdx.packages.find((x) => x.name === p.name);
      assert.ok(pkg, `${p.name} in the SPDX document`);
      assert.equal(pkg!.versionInfo, p.version);
      assert.ok(
        cdx.components.some(
          (c) => c.name === p.name && c.purl?.startsWith(`pkg:deb/debian/${p.name.replace(/\+/g, '%2B')}@`),
        ),
        `${p.name} in CycloneDX`,
      );
    }
    const libssl = spdx.packages.find((x) => x.name === 'libssl3')!;
    assert.equal(libssl.licenseDeclared, 'Apache-2.0');
    assert.match(
      libssl.externalRefs!.map((e) => e.referenceLocator).join(' '),
      /pkg:deb\/debian\/libssl3@[^ ]*\?arch=amd64&distro=debian-12/,
    );
    // Trimmed (docs) packages list the files present: libc is there, its man pages are not.
    const files = spdx.files ?? [];
    assert.ok(
      files.some((f) => f.fileName.endsWith('/libc.so.6')),
      'libc.so.6 listed',
    );
    assert.ok(!files.some((f) => f.fileName.includes('/usr/share/man/')), 'no dropped man page listed');
    const tool = files.find((f) => f.fileName.endsWith('app/tool'));
    assert.ok(tool, 'the host file is listed');
    const expected = createHash('sha256')
      .update(readFileSync(join(dir, 'tool')))
      .digest('hex');
    assert.equal(tool!.checksums.find((c) => c.algorithm === 'SHA256')?.checksumValue, expected);
  });

  test('a warm rebuild writes byte-identical SBOMs; --no-sbom writes none', () => {
    const a = join(dir, 'img.oci');
    const b = join(dir, 'again.oci');
    const r = runPith(['build', join(dir, 'pith.yaml'), '-o', b, '--cache-dir', cache, '--frozen']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(cached\)/);
    assert.deepEqual(readFileSync(`${b}.spdx.json`), readFileSync(`${a}.spdx.json`));
    assert.deepEqual(readFileSync(`${b}.cdx.json`), readFileSync(`${a}.cdx.json`));
    const none = join(dir, 'none.oci');
    const r2 = runPith(['build', join(dir, 'pith.yaml'), '-o', none, '--cache-dir', cache, '--frozen', '--no-sbom']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(!existsSync(`${none}.spdx.json`) && !existsSync(`${none}.cdx.json`));
  });
});
