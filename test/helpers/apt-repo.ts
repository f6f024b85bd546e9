/**
 * A real, signed apt repository on local disk, for pith's offline resolution and tampering tests:
 * .debs built by the host's `dpkg-deb`, Packages indexes (plain, xz, gzip, by-hash), a Release
 * listing their MD5Sum/SHA256, and InRelease/Release.gpg signed by a throw-away gpg key. The real
 * `apt-get` and `gpgv` accept it (test/unit/helpers/apt-repo/ proves it), so whatever pith concludes about
 * it, it would conclude about a Debian mirror. Serve it with `serveDirectory` (./http-server.ts).
 *
 * Tamper helpers change the repository in place after signing, each breaking exactly one link of
 * the chain of trust (signature, index hash, .deb hash); `addRawDebToRepo` does the opposite: it
 * indexes and re-signs any bytes correctly, so only pith's own content checks can refuse them.
 *
 *   const key = await createTestKey(join(tmp, 'keys'));            // once per process, cached
 *   const repo = await createAptRepo(join(tmp, 'repo'), exampleLayout(), key);
 *   const server = await serveDirectory(repo.root);                  // server.url, server.requests
 *   // source: `${server.url}/ pith main contrib`, Signed-By: repo.keyringPath
 *   await tamperPackagesIndex(repo, 'pith');                         // now expect a hash mismatch
 *   await server.close();
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lchown, link, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { clearsign, detachSign, type TestKey } from './apt-repo-keys.js';

export { createTestKey, type TestKey, type TestKeyAlgorithm } from './apt-repo-keys.js';
export { serveDirectory, type ServedDirectory, type ServedRequest } from './http-server.js';

export interface FakeFile {
  /** Image path, e.g. 'usr/bin/foo' (a leading '/' or './' is dropped). */
  path: string;
  content?: string | Uint8Array;
  /** Permission bits incl. setuid/setgid/sticky; default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Makes a symlink with this target. */
  symlink?: string;
  /** Makes a hard link to this other path of the same package (listed earlier or later). */
  hardlinkTo?: string;
  dir?: boolean;
  /** Owner in the package; when any file sets one, the package is built without --root-owner-group (needs root). */
  uid?: number;
  gid?: number;
}

export interface FakePackage {
  name: string;
  /** Debian version, epoch allowed ('1:2.0-1'); the pool file name drops the epoch, as Debian's do. */
  version: string;
  /** Default 'amd64'; 'all' packages appear in every architecture's Packages. */
  arch?: string;
  depends?: string;
  preDepends?: string;
  provides?: string;
  recommends?: string;
  multiArch?: 'same' | 'foreign' | 'allowed';
  essential?: boolean;
  priority?: string;
  section?: string;
  /** Source package name, optionally with a version ('foo (1.0-1)'); names the pool directory. */
  source?: string;
  /** Synopsis, optionally followed by lines of long description. */
  description?: string;
  /** Default: usr/share/doc/<name>/copyright and usr/share/<name>/data. */
  files?: FakeFile[];
  /** dpkg-deb -Z; default xz. */
  compression?: 'gzip' | 'xz' | 'zstd' | 'none';
}

export interface RepoLayout {
  suites: Record<
    string,
    {
      /** Component name to packages; default a single empty 'main'. */
      components?: Record<string, FakePackage[]>;
      /** Default: the suite name. */
      codename?: string;
      /** Default ['amd64']; the architectures of the packages (other than 'all') are added. */
      archs?: string[];
    }
  >;
}

export interface DebInfo {
  /** Absolute path of the pool file. */
  path: string;
  /** What the index says (tampering with the pool file does not update it). */
  sha256: string;
  size: number;
  /** Relative to the repository root, as in the Packages `Filename` field. */
  filename: string;
}

export interface AptRepo {
  root: string;
  keyringPath: string;
  /** Keyed `<name>_<version>_<arch>`, the version as given (epoch included). */
  debs: Map<string, DebInfo>;
}

export interface AptRepoOptions {
  /** Write by-hash copies and `Acquire-By-Hash: yes`; default true. */
  byHash?: boolean;
  /**
   * Which Packages files exist on disk ('none' = the uncompressed one); default ['xz', 'gz'], as on
   * Debian's mirrors. The Release always lists the uncompressed Packages too, as Debian's does.
   */
  indexCompression?: Array<'xz' | 'gz' | 'none'>;
}

/** Fixed so that repositories are reproducible; in the past, as apt refuses Release files from the future. */
export const RELEASE_DATE = 'Sat, 01 Jun 2024 00:00:00 UTC';
/** Clamps file times inside the .debs and the ar member times (dpkg-deb honours it). */
const SOURCE_DATE_EPOCH = '1717200000';
const MAINTAINER = 'Pith Tests <tests@pith.invalid>';

// ---------------------------------------------------------------------------------------------
// Internal state, kept out of the public AptRepo shape.

interface IndexedPackage {
  name: string;
  version: string;
  arch: string;
  /** The stanza without its trailing newline. */
  stanza: string;
}

interface SuiteState {
  codename: string;
  archs: string[];
  components: Map<string, IndexedPackage[]>;
}

interface RepoState {
  key: TestKey;
  byHash: boolean;
  compressions: Array<'xz' | 'gz' | 'none'>;
  suites: Map<string, SuiteState>;
}

const states = new WeakMap<AptRepo, RepoState>();

function stateOf(repo: AptRepo): RepoState {
  const state = states.get(repo);
  if (!state) throw new Error('not a repository made by createAptRepo');
  return state;
}

function suiteOf(repo: AptRepo, suite: string): SuiteState {
  const found = stateOf(repo).suites.get(suite);
  if (!found)
    throw new Error(
      `repository has no suite ${JSON.stringify(suite)} (has ${[...stateOf(repo).suites.keys()].join(', ')})`,
    );
  return found;
}

// ---------------------------------------------------------------------------------------------
// Small tools.

function runTool(
  command: string,
  args: string[],
  options: { input?: Uint8Array | string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Buffer> {
  return new Promise((done, fail) => {
    const child = execFile(
      command,
      args,
      { encoding: 'buffer', maxBuffer: 1 << 30, env: options.env ?? process.env, cwd: options.cwd },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${command} ${args.join(' ')} failed: ${stderr.toString().trim() || error.message}`));
        else done(stdout);
      },
    );
    // A tool may exit without reading its input (dpkg-deb never does): that is not an error here.
    child.stdin?.on('error', () => {});
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');
const toBytes = (data: Uint8Array | string) => (typeof data === 'string' ? Buffer.from(data) : data);
/** The system interpreter when present: version-manager shims cost ~0.3 s per start. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Runs `tasks` with at most `limit` in flight, results in input order. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, limit = Math.max(2, cpus().length * 2)): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Epoch dropped: Debian's pool file names never carry it. */
function versionForFilename(version: string): string {
  const colon = version.indexOf(':');
  return colon >= 0 ? version.slice(colon + 1) : version;
}

function poolFilename(component: string, source: string, name: string, version: string, arch: string): string {
  return `pool/${component}/${source[0]}/${source}/${name}_${versionForFilename(version)}_${arch}.deb`;
}

/** 'foo (1.0-1)' -> 'foo'. */
function sourceName(source: string | undefined, name: string): string {
  return source?.trim().split(/\s+/)[0] || name;
}

/** deb822 value: continuation lines start with a space, empty ones are ' .'. */
function fieldLine(field: string, value: string): string {
  const [first, ...rest] = value.split('\n');
  const more = rest.map((line) => (line.trim() === '' ? ' .' : line.startsWith(' ') ? line : ` ${line}`));
  return [`${field}: ${first}`, ...more].join('\n');
}

function stripImagePath(path: string): string {
  const trimmed = path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(
      `FakeFile path ${JSON.stringify(path)} must be a plain relative path (use writeMaliciousDeb for hostile ones)`,
    );
  }
  return trimmed;
}

// ---------------------------------------------------------------------------------------------
// Building one package with dpkg-deb.

interface BuiltDeb {
  filename: string;
  path: string;
  sha256: string;
  md5: string;
  size: number;
  /** Control stanza fields, in order. */
  control: Array<[string, string]>;
}

function defaultFiles(name: string): FakeFile[] {
  return [
    {
      path: `usr/share/doc/${name}/copyright`,
      content: `Files: *\nCopyright: none\nLicense: public-domain\n Test package ${name}.\n`,
    },
    { path: `usr/share/${name}/data`, content: `data of ${name}\n` },
  ];
}

function controlFields(pkg: FakePackage, arch: string, installedSize: number): Array<[string, string]> {
  const fields: Array<[string, string]> = [['Package', pkg.name]];
  const source = pkg.source?.trim();
  if (source && source !== pkg.name) fields.push(['Source', source]);
  fields.push(
    ['Version', pkg.version],
    ['Architecture', arch],
    ['Maintainer', MAINTAINER],
    ['Installed-Size', String(installedSize)],
  );
  if (pkg.preDepends) fields.push(['Pre-Depends', pkg.preDepends]);
  if (pkg.depends) fields.push(['Depends', pkg.depends]);
  if (pkg.recommends) fields.push(['Recommends', pkg.recommends]);
  if (pkg.provides) fields.push(['Provides', pkg.provides]);
  if (pkg.multiArch) fields.push(['Multi-Arch', pkg.multiArch]);
  if (pkg.essential) fields.push(['Essential', 'yes']);
  fields.push(['Section', pkg.section ?? 'misc'], ['Priority', pkg.priority ?? 'optional']);
  fields.push(['Description', pkg.description ?? `${pkg.name} test package\nBuilt by pith's test harness.`]);
  return fields;
}

async function stageFiles(
  stage: string,
  files: FakeFile[],
): Promise<{ installedKiB: number; md5sums: string; owned: boolean }> {
  const explicitDirs = new Map<string, number>();
  const regular: Array<[string, Uint8Array]> = [];
  let owned = false;
  let installedKiB = 0;
  const ensureParent = (full: string) => mkdir(dirname(full), { recursive: true });
  // Hard links last: their target must exist.
  const ordered = [...files.filter((file) => !file.hardlinkTo), ...files.filter((file) => file.hardlinkTo)];
  for (const file of ordered) {
    const rel = stripImagePath(file.path);
    const full = join(stage, rel);
    if (file.dir) {
      await mkdir(full, { recursive: true });
      explicitDirs.set(rel, file.mode ?? 0o755);
      installedKiB += 1;
    } else if (file.symlink !== undefined) {
      await ensureParent(full);
      await symlink(file.symlink, full);
      installedKiB += 1;
    } else if (file.hardlinkTo !== undefined) {
      await ensureParent(full);
      await link(join(stage, stripImagePath(file.hardlinkTo)), full);
    } else {
      await ensureParent(full);
      const data = toBytes(file.content ?? '');
      await writeFile(full, data);
      await chmod(full, file.mode ?? 0o644); // after writing: the umask must not decide the mode
      regular.push([rel, data]);
      installedKiB += Math.max(1, Math.ceil(data.byteLength / 1024));
    }
    if (file.uid !== undefined || file.gid !== undefined) {
      owned = true;
      await lchown(full, file.uid ?? 0, file.gid ?? 0);
    }
  }
  // Implicit directories are 0755 whatever the umask; explicit ones get their mode.
  const fixDirs = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (childRel === 'DEBIAN') continue;
      await chmod(join(dir, entry.name), explicitDirs.get(childRel) ?? 0o755);
      await fixDirs(join(dir, entry.name), childRel);
    }
  };
  await fixDirs(stage, '');
  await chmod(stage, 0o755);
  const md5sums = regular
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rel, data]) => `${md5(data)}  ${rel}\n`)
    .join('');
  return { installedKiB, md5sums, owned };
}

async function buildDeb(
  root: string,
  work: string,
  component: string,
  pkg: FakePackage,
  index: number,
): Promise<BuiltDeb> {
  const arch = pkg.arch ?? 'amd64';
  const stage = join(work, `stage-${index}`);
  await mkdir(join(stage, 'DEBIAN'), { recursive: true });
  const { installedKiB, md5sums, owned } = await stageFiles(stage, pkg.files ?? defaultFiles(pkg.name));
  const control = controlFields(pkg, arch, installedKiB);
  await writeFile(
    join(stage, 'DEBIAN', 'control'),
    `${control.map(([field, value]) => fieldLine(field, value)).join('\n')}\n`,
  );
  if (md5sums) await writeFile(join(stage, 'DEBIAN', 'md5sums'), md5sums);
  await chmod(join(stage, 'DEBIAN'), 0o755);

  const filename = poolFilename(component, sourceName(pkg.source, pkg.name), pkg.name, pkg.version, arch);
  const path = join(root, filename);
  await mkdir(dirname(path), { recursive: true });
  if (owned && process.getuid?.() !== 0) throw new Error(`package ${pkg.name}: FakeFile uid/gid need root to build`);
  const args = ['--build', ...(owned ? [] : ['--root-owner-group']), `-Z${pkg.compression ?? 'xz'}`, stage, path];
  await runTool('dpkg-deb', args, { env: { ...process.env, SOURCE_DATE_EPOCH } });
  const bytes = await readFile(path);
  await rm(stage, { recursive: true, force: true });
  return { filename, path, sha256: sha256(bytes), md5: md5(bytes), size: bytes.byteLength, control };
}

function stanzaOf(
  control: Array<[string, string]>,
  deb: { filename: string; size: number; md5: string; sha256: string },
): string {
  const lines = control.map(([field, value]) => fieldLine(field, value));
  lines.push(`Filename: ${deb.filename}`, `Size: ${deb.size}`, `MD5sum: ${deb.md5}`, `SHA256: ${deb.sha256}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Indexes, Release, signatures.

function compareIndexed(a: IndexedPackage, b: IndexedPackage): number {
  for (const [x, y] of [
    [a.name, b.name],
    [a.version, b.version],
    [a.arch, b.arch],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

async function xz(data: Uint8Array): Promise<Buffer> {
  // -T1: multi-threaded xz output differs from single-threaded; keep indexes reproducible.
  return runTool('xz', ['-c', '-6', '-T1', '--check=crc64'], { input: data });
}

function releaseText(
  suite: string,
  state: SuiteState,
  components: string[],
  byHash: boolean,
  files: Array<{ path: string; data: Uint8Array }>,
): string {
  const width = Math.max(...files.map((file) => String(file.data.byteLength).length));
  const list = (hash: (data: Uint8Array) => string) =>
    files.map((file) => ` ${hash(file.data)} ${String(file.data.byteLength).padStart(width)} ${file.path}`).join('\n');
  const lines = [
    'Origin: Pith Test',
    'Label: Pith Test',
    `Suite: ${suite}`,
    `Codename: ${state.codename}`,
    `Date: ${RELEASE_DATE}`,
    ...(byHash ? ['Acquire-By-Hash: yes'] : []),
    `Architectures: ${state.archs.join(' ')}`,
    `Components: ${components.join(' ')}`,
    `Description: pith test archive (${suite})`,
    'MD5Sum:',
    list(md5),
    'SHA256:',
    list(sha256),
  ];
  return `${lines.join('\n')}\n`;
}

async function signRelease(root: string, suite: string, key: TestKey): Promise<void> {
  const dir = join(root, 'dists', suite);
  const release = await readFile(join(dir, 'Release'), 'utf8');
  const [inRelease, detached] = await Promise.all([clearsign(key, release), detachSign(key, release)]);
  await writeFile(join(dir, 'InRelease'), inRelease);
  await writeFile(join(dir, 'Release.gpg'), detached);
}

/** Writes every Packages index of `suite`, their by-hash copies, the Release, and signs it. */
async function writeSuite(root: string, state: RepoState, suite: string): Promise<void> {
  const suiteState = state.suites.get(suite)!;
  const components = [...suiteState.components.keys()];
  const listed: Array<{ path: string; data: Uint8Array }> = [];
  await Promise.all(
    components.flatMap((component) =>
      suiteState.archs.map(async (arch) => {
        const packages = suiteState.components
          .get(component)!
          .filter((pkg) => pkg.arch === arch || pkg.arch === 'all')
          .sort(compareIndexed);
        const plain = Buffer.from(packages.map((pkg) => `${pkg.stanza}\n\n`).join(''));
        const relDir = `${component}/binary-${arch}`;
        const dir = join(root, 'dists', suite, relDir);
        await mkdir(dir, { recursive: true });
        const forms: Array<{ name: string; data: Uint8Array; onDisk: boolean }> = [
          { name: 'Packages', data: plain, onDisk: state.compressions.includes('none') },
        ];
        if (state.compressions.includes('xz')) forms.push({ name: 'Packages.xz', data: await xz(plain), onDisk: true });
        if (state.compressions.includes('gz'))
          forms.push({ name: 'Packages.gz', data: gzipSync(plain, { level: 9 }), onDisk: true });
        for (const form of forms) {
          listed.push({ path: `${relDir}/${form.name}`, data: form.data });
          if (!form.onDisk) continue;
          await writeFile(join(dir, form.name), form.data);
          if (state.byHash) {
            await mkdir(join(dir, 'by-hash', 'SHA256'), { recursive: true });
            await writeFile(join(dir, 'by-hash', 'SHA256', sha256(form.data)), form.data);
          }
        }
      }),
    ),
  );
  listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeFile(
    join(root, 'dists', suite, 'Release'),
    releaseText(suite, suiteState, components, state.byHash, listed),
  );
  await signRelease(root, suite, state.key);
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * Builds the repository under `root` (created if missing): every package with
 * `dpkg-deb --build --root-owner-group -Z<c>` into pool/<component>/<first letter of source>/<source>/,
 * dists/<suite>/<component>/binary-<arch>/Packages{,.xz,.gz} (+ by-hash/SHA256/<hex>),
 * dists/<suite>/Release, InRelease and Release.gpg signed by `key`.
 */
export async function createAptRepo(
  root: string,
  layout: RepoLayout,
  key: TestKey,
  options: AptRepoOptions = {},
): Promise<AptRepo> {
  const absRoot = resolve(root);
  await mkdir(absRoot, { recursive: true });
  const repo: AptRepo = { root: absRoot, keyringPath: key.keyringPath, debs: new Map() };
  const state: RepoState = {
    key,
    byHash: options.byHash ?? true,
    compressions: options.indexCompression ?? ['xz', 'gz'],
    suites: new Map(),
  };
  if (state.compressions.length === 0) throw new Error('indexCompression must name at least one form');
  states.set(repo, state);

  const work = await mkdtemp(join(tmpdir(), 'pith-apt-repo-'));
  try {
    // The same pool file may be named by several suites: build it once.
    const builds = new Map<string, { pkg: FakePackage; component: string; run?: Promise<BuiltDeb> }>();
    const uses: Array<{ suite: string; component: string; pkg: FakePackage; filename: string }> = [];
    for (const [suite, spec] of Object.entries(layout.suites)) {
      const components = spec.components ?? { main: [] };
      const archs = [...(spec.archs ?? ['amd64'])];
      const suiteState: SuiteState = { codename: spec.codename ?? suite, archs, components: new Map() };
      state.suites.set(suite, suiteState);
      for (const [component, packages] of Object.entries(components)) {
        suiteState.components.set(component, []);
        for (const pkg of packages) {
          const arch = pkg.arch ?? 'amd64';
          if (arch !== 'all' && !archs.includes(arch)) archs.push(arch);
          const filename = poolFilename(component, sourceName(pkg.source, pkg.name), pkg.name, pkg.version, arch);
          if (!builds.has(filename)) builds.set(filename, { pkg, component });
          uses.push({ suite, component, pkg, filename });
        }
      }
    }
    const entries = [...builds.entries()];
    const built = await inParallel(
      entries.map(
        ([, { pkg, component }], index) =>
          () =>
            buildDeb(absRoot, work, component, pkg, index),
      ),
    );
    const byFilename = new Map(entries.map(([filename], index) => [filename, built[index]!]));

    for (const { suite, component, pkg, filename } of uses) {
      const deb = byFilename.get(filename)!;
      const arch = pkg.arch ?? 'amd64';
      state.suites
        .get(suite)!
        .components.get(component)!
        .push({ name: pkg.name, version: pkg.version, arch, stanza: stanzaOf(deb.control, deb) });
      repo.debs.set(`${pkg.name}_${pkg.version}_${arch}`, {
        path: deb.path,
        sha256: deb.sha256,
        size: deb.size,
        filename: deb.filename,
      });
    }
    await Promise.all([...state.suites.keys()].map((suite) => writeSuite(absRoot, state, suite)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return repo;
}

/** The Release text currently signed for `suite` (handy for assertions). */
export async function readRelease(repo: AptRepo, suite: string): Promise<string> {
  suiteOf(repo, suite);
  return readFile(join(repo.root, 'dists', suite, 'Release'), 'utf8');
}

/**
 * Flips one byte of the signed text of dists/<suite>/InRelease (in the Label value, so the text
 * still parses and every hash in it stays right): only the signature check can notice.
 */
export async function tamperInReleaseSignature(repo: AptRepo, suite: string): Promise<void> {
  suiteOf(repo, suite);
  const path = join(repo.root, 'dists', suite, 'InRelease');
  const bytes = await readFile(path);
  const at = bytes.indexOf('\nLabel: ');
  if (at < 0) throw new Error(`${path}: no Label field to tamper with`);
  const offset = at + '\nLabel: '.length;
  bytes[offset] = bytes[offset]! ^ 0x01; // 'P' -> 'Q'
  await writeFile(path, bytes);
}

/** Re-signs InRelease and Release.gpg of `suite` with `other`: valid signatures, by an untrusted key. */
export async function resignWithKey(repo: AptRepo, suite: string, other: TestKey): Promise<void> {
  suiteOf(repo, suite);
  await signRelease(repo.root, suite, other);
}

/**
 * Same-size tampering: an edit of the signed Packages text (one hex digit of some stanza's SHA256)
 * whose compressed form has exactly the signed file's size, so that only the hash check can
 * notice (apt says "Hash Sum mismatch", not "unexpected size"). Trial compressions run in-process:
 * gzip with node's zlib (the one that wrote the file), xz with Python's lzma (liblzma, as xz).
 */
function* digitEdits(text: Buffer): Generator<Buffer> {
  const hex = Buffer.from('0123456789abcdef');
  for (const match of text.toString('latin1').matchAll(/^SHA256: ([0-9a-f]{64})$/gm)) {
    const start = match.index! + 'SHA256: '.length;
    for (let position = start; position < start + 64; position += 1) {
      for (const digit of hex) {
        if (digit === text[position]) continue;
        const edited = Buffer.from(text);
        edited[position] = digit;
        yield edited;
      }
    }
  }
}

const MAX_TRIES = 20_000;

function sameSizeGzip(text: Buffer, size: number): Buffer | undefined {
  let tries = 0;
  for (const edited of digitEdits(text)) {
    const data = gzipSync(edited, { level: 9 });
    if (data.byteLength === size) return data;
    if (++tries > MAX_TRIES) break;
  }
  return undefined;
}

const PYTHON_SAME_SIZE_XZ = `
import base64, json, lzma, re, sys
spec = json.load(sys.stdin)
text = base64.b64decode(spec['text'])
size = spec['size']
def edits():
    for m in re.finditer(rb'^SHA256: ([0-9a-f]{64})$', text, re.M):
        for p in range(m.start(1), m.end(1)):
            for c in b'0123456789abcdef':
                if c != text[p]:
                    yield text[:p] + bytes([c]) + text[p + 1:]
found = ''
for tries, edited in enumerate(edits()):
    data = lzma.compress(edited, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)
    if len(data) == size:
        found = base64.b64encode(data).decode()
        break
    if tries > ${MAX_TRIES}:
        break
sys.stdout.write(found)
`;

async function sameSizeXz(text: Buffer, size: number): Promise<Buffer | undefined> {
  const input = JSON.stringify({ text: text.toString('base64'), size });
  const found = (await runTool(PYTHON, ['-c', PYTHON_SAME_SIZE_XZ], { input })).toString();
  return found ? Buffer.from(found, 'base64') : undefined;
}

export type PackagesTamper = 'same-size' | 'append';

/**
 * Rewrites the Packages index of `suite`/`component`/`arch` (default: the suite's first component
 * and architecture) after signing, in every form on disk and in the by-hash copies named by the
 * signed hashes. Each file still decompresses and parses, but no longer has the hash the Release
 * lists. `how`: 'same-size' (default) changes one hex digit of a stanza's SHA256 and keeps every
 * file's size, so only a hash check can tell (falls back to 'append' for a form where no such
 * edit exists, e.g. an empty index); 'append' adds a stanza for `pith-tampered` (sizes change too).
 */
export async function tamperPackagesIndex(
  repo: AptRepo,
  suite: string,
  component?: string,
  arch?: string,
  how: PackagesTamper = 'same-size',
): Promise<void> {
  const suiteState = suiteOf(repo, suite);
  const comp = component ?? [...suiteState.components.keys()][0] ?? 'main';
  const architecture = arch ?? suiteState.archs[0] ?? 'amd64';
  const packages = suiteState.components.get(comp);
  if (!packages) throw new Error(`suite ${suite} has no component ${comp}`);
  const dir = join(repo.root, 'dists', suite, comp, `binary-${architecture}`);
  if (!existsSync(dir)) throw new Error(`suite ${suite} has no ${comp}/binary-${architecture}`);
  const signed = packages
    .filter((pkg) => pkg.arch === architecture || pkg.arch === 'all')
    .sort(compareIndexed)
    .map((pkg) => `${pkg.stanza}\n\n`)
    .join('');
  const injected = [
    'Package: pith-tampered',
    'Version: 6.6.6',
    `Architecture: ${architecture}`,
    `Maintainer: ${MAINTAINER}`,
    'Description: stanza added after the Release was signed',
    `Filename: pool/${comp}/p/pith-tampered/pith-tampered_6.6.6_${architecture}.deb`,
    'Size: 1',
    `SHA256: ${'0'.repeat(64)}`,
  ].join('\n');
  const appended = Buffer.from(`${signed}${injected}\n\n`);
  const appendedForms: Record<string, () => Promise<Uint8Array>> = {
    Packages: async () => appended,
    'Packages.xz': () => xz(appended),
    'Packages.gz': async () => gzipSync(appended, { level: 9 }),
  };

  const present: Array<{ name: string; path: string; old: Buffer }> = [];
  for (const name of Object.keys(appendedForms)) {
    const path = join(dir, name);
    if (existsSync(path)) present.push({ name, path, old: await readFile(path) });
  }
  if (present.length === 0) throw new Error(`${dir}: no Packages file to tamper with`);

  const signedBytes = Buffer.from(signed);
  for (const { name, path, old } of present) {
    let data: Uint8Array | undefined;
    if (how === 'same-size') {
      if (name === 'Packages') data = digitEdits(signedBytes).next().value ?? undefined;
      else if (name === 'Packages.gz') data = sameSizeGzip(signedBytes, old.byteLength);
      else data = await sameSizeXz(signedBytes, old.byteLength);
    }
    data ??= await appendedForms[name]!();
    await writeFile(path, data);
    const byHash = join(dir, 'by-hash', 'SHA256', sha256(old));
    if (existsSync(byHash)) await writeFile(byHash, data);
  }
}

/**
 * Overwrites pool file(s) of package `name` (every version and architecture; or pass the
 * `<name>_<version>_<arch>` key of one) with `bytes`. Indexes are untouched, so the pool file no
 * longer matches its SHA256 (and its Size, if the length changed).
 */
export async function replaceDeb(repo: AptRepo, name: string, bytes: Uint8Array): Promise<void> {
  stateOf(repo);
  const targets = [...repo.debs.entries()].filter(([key]) => key === name || key.startsWith(`${name}_`));
  if (targets.length === 0) throw new Error(`repository has no package ${JSON.stringify(name)}`);
  for (const [, deb] of targets) await writeFile(deb.path, bytes);
}

/**
 * Puts arbitrary .deb bytes into the pool and the Packages index of `suite`/`component` with
 * their correct Size/MD5sum/SHA256, then rewrites the indexes and re-signs the suite. `control`
 * gives the stanza's fields (Package and Version required; Architecture defaults to amd64);
 * Filename, Size, MD5sum and SHA256 are always computed. Replaces an entry with the same
 * name, version and architecture.
 */
export async function addRawDebToRepo(
  repo: AptRepo,
  suite: string,
  component: string,
  debBytes: Uint8Array,
  control: Record<string, string>,
): Promise<void> {
  const state = stateOf(repo);
  const name = control.Package;
  const version = control.Version;
  if (!name || !version) throw new Error('addRawDebToRepo: control needs Package and Version');
  const arch = control.Architecture ?? 'amd64';
  let suiteState = state.suites.get(suite);
  if (!suiteState) {
    suiteState = { codename: suite, archs: ['amd64'], components: new Map() };
    state.suites.set(suite, suiteState);
  }
  if (arch !== 'all' && !suiteState.archs.includes(arch)) suiteState.archs.push(arch);
  let packages = suiteState.components.get(component);
  if (!packages) {
    packages = [];
    suiteState.components.set(component, packages);
  }

  const filename = poolFilename(component, sourceName(control.Source, name), name, version, arch);
  const path = join(repo.root, filename);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, debBytes);

  const computed = new Set(['Filename', 'Size', 'MD5sum', 'SHA256', 'Package', 'Architecture']);
  const fields: Array<[string, string]> = [['Package', name]];
  for (const [field, value] of Object.entries(control)) {
    if (field === 'Version') fields.push(['Version', value], ['Architecture', arch]);
    else if (!computed.has(field)) fields.push([field, value]);
  }
  if (!('Maintainer' in control)) fields.push(['Maintainer', MAINTAINER]);
  if (!('Description' in control)) fields.push(['Description', `${name} (raw test package)`]);
  const deb = { filename, size: debBytes.byteLength, md5: md5(debBytes), sha256: sha256(debBytes) };

  const kept = packages.filter((pkg) => !(pkg.name === name && pkg.version === version && pkg.arch === arch));
  kept.push({ name, version, arch, stanza: stanzaOf(fields, deb) });
  packages.splice(0, packages.length, ...kept);
  repo.debs.set(`${name}_${version}_${arch}`, { path, sha256: deb.sha256, size: deb.size, filename });
  await writeSuite(repo.root, state, suite);
}

// ---------------------------------------------------------------------------------------------
// Hostile packages, which dpkg-deb refuses to build.

export type MaliciousKind =
  'absolute-path' | 'dotdot-path' | 'escaping-symlink' | 'symlink-then-write' | 'hardlink-outside';

interface RawTarEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  data?: string;
  linkname?: string;
}

/** The hostile entry each kind adds, by member name (for assertions). */
export function maliciousEntryName(kind: MaliciousKind, name = `pith-evil-${kind}`): string {
  return maliciousEntries(kind, name).at(-1)!.name;
}

function maliciousEntries(kind: MaliciousKind, name: string): RawTarEntry[] {
  const base = `./usr/share/${name}`;
  switch (kind) {
    case 'absolute-path':
      return [
        { name: '/etc/pith-evil-absolute', type: 'file', mode: 0o644, data: 'written by an absolute member name\n' },
      ];
    case 'dotdot-path':
      return [
        { name: `${base}/../../../../etc/pith-evil-dotdot`, type: 'file', mode: 0o644, data: 'written through ..\n' },
      ];
    case 'escaping-symlink':
      // usr/share/<name>/ is three levels deep: the fourth '..' climbs out of the root.
      return [{ name: `${base}/escape`, type: 'symlink', mode: 0o777, linkname: '../../../../../../etc/shadow' }];
    case 'symlink-then-write':
      // The link itself is harmless inside an image (absolute targets resolve in the root); writing
      // through it on a host is not.
      return [
        { name: `${base}/link`, type: 'symlink', mode: 0o777, linkname: '/etc' },
        { name: `${base}/link/pith-evil-through-link`, type: 'file', mode: 0o644, data: 'written through a symlink\n' },
      ];
    case 'hardlink-outside':
      return [{ name: `${base}/passwd`, type: 'hardlink', mode: 0o644, linkname: '/etc/passwd' }];
  }
}

// Python's tarfile writes exactly the names it is given; the tar is compressed by node's zlib
// afterwards so the bytes are reproducible (no gzip timestamp).
const PYTHON_TAR = `
import io, json, sys, tarfile
kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE}
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w', format=tarfile.GNU_FORMAT) as tar:
    for e in json.load(sys.stdin):
        info = tarfile.TarInfo(e['name'])
        info.type = kinds[e['type']]
        info.mode = e['mode']
        info.uid = info.gid = 0
        info.uname = info.gname = 'root'
        info.mtime = ${SOURCE_DATE_EPOCH}
        info.linkname = e.get('linkname', '')
        data = e.get('data', '').encode() if info.type == tarfile.REGTYPE else b''
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data) if data else None)
sys.stdout.buffer.write(out.getvalue())
`;

async function tarGz(entries: RawTarEntry[]): Promise<Buffer> {
  return gzipSync(await runTool(PYTHON, ['-c', PYTHON_TAR], { input: JSON.stringify(entries) }), { level: 9 });
}

/** A `!<arch>` archive as dpkg writes it: plain member names, fixed times, owner 0. */
export function arArchive(members: Array<{ name: string; data: Uint8Array }>): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const member of members) {
    const field = (text: string, width: number) => {
      if (text.length > width) throw new Error(`ar field too long: ${text}`);
      return text.padEnd(width);
    };
    parts.push(
      Buffer.from(
        field(member.name, 16) +
          field(SOURCE_DATE_EPOCH, 12) +
          field('0', 6) +
          field('0', 6) +
          field('100644', 8) +
          field(String(member.data.byteLength), 10) +
          '`\n',
      ),
      Buffer.from(member.data),
    );
    if (member.data.byteLength % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** The control stanza writeMaliciousDeb puts in its package, for addRawDebToRepo. */
export function maliciousControl(kind: MaliciousKind, name = `pith-evil-${kind}`): Record<string, string> {
  return {
    Package: name,
    Version: '1.0',
    Architecture: 'amd64',
    Maintainer: MAINTAINER,
    'Installed-Size': '1',
    Section: 'misc',
    Priority: 'optional',
    Description: `malicious test package (${kind})`,
  };
}

/**
 * Writes a well-formed .deb (ar: debian-binary, control.tar.gz, data.tar.gz) whose data.tar holds
 * ordinary entries plus the hostile one of `kind`. Package name default `pith-evil-<kind>`,
 * version 1.0, amd64 (see maliciousControl).
 */
export async function writeMaliciousDeb(path: string, kind: MaliciousKind, name = `pith-evil-${kind}`): Promise<void> {
  const base = `./usr/share/${name}`;
  const readme = `malicious test package (${kind})\n`;
  const data: RawTarEntry[] = [
    { name: './', type: 'dir', mode: 0o755 },
    { name: './usr/', type: 'dir', mode: 0o755 },
    { name: './usr/share/', type: 'dir', mode: 0o755 },
    { name: `${base}/`, type: 'dir', mode: 0o755 },
    { name: `${base}/README`, type: 'file', mode: 0o644, data: readme },
    ...maliciousEntries(kind, name),
  ];
  const control = `${Object.entries(maliciousControl(kind, name))
    .map(([field, value]) => `${field}: ${value}`)
    .join('\n')}\n`;
  const controlTar = await tarGz([
    { name: './', type: 'dir', mode: 0o755 },
    { name: './control', type: 'file', mode: 0o644, data: control },
    { name: './md5sums', type: 'file', mode: 0o644, data: `${md5(readme)}  usr/share/${name}/README\n` },
  ]);
  const deb = arArchive([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: controlTar },
    { name: 'data.tar.gz', data: await tarGz(data) },
  ]);
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, deb);
}

// ---------------------------------------------------------------------------------------------
// A ready-made layout and the real apt as an oracle.

/**
 * Nine package names, 14 .debs, over two suites, two components and two architectures,
 * exercising what a resolver must follow and what it must not:
 * `hello` Pre-Depends libc-fake, Depends `libgreet1 (>= 1.2)` (two versions exist) and
 * `virtual-shell | busybox-fake` (virtual, provided by shell-impl in main and busybox-fake in
 * contrib), Recommends hello-doc; libgreet1 1.2-1 Depends on the arch-all `greet-data (= 1.2-1)`;
 * `tzfake` has an epoch and a newer version in pith-updates; `essential-fake` is Essential.
 * shell-impl ships an executable, a symlink, a hard link, a setuid file, a sticky directory and
 * (when running as root, which dpkg-deb needs for it) a file owned 1000:1000.
 * Every dpkg-deb compression is used (xz default, gzip, zstd, none).
 */
export function exampleLayout(): RepoLayout {
  const owner = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};
  return {
    suites: {
      pith: {
        archs: ['amd64', 'arm64'],
        components: {
          main: [
            {
              name: 'hello',
              version: '1.0-1',
              preDepends: 'libc-fake (>= 2.36)',
              depends: 'libgreet1 (>= 1.2), virtual-shell | busybox-fake',
              recommends: 'hello-doc',
              files: [
                { path: 'usr/bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
                { path: 'usr/share/doc/hello/copyright', content: 'public domain\n' },
              ],
            },
            {
              name: 'hello',
              version: '1.0-1',
              arch: 'arm64',
              preDepends: 'libc-fake (>= 2.36)',
              depends: 'libgreet1 (>= 1.2)',
            },
            {
              name: 'libc-fake',
              version: '2.36-9',
              multiArch: 'same',
              priority: 'required',
              section: 'libs',
              compression: 'gzip',
            },
            {
              name: 'libc-fake',
              version: '2.36-9',
              arch: 'arm64',
              multiArch: 'same',
              priority: 'required',
              section: 'libs',
            },
            { name: 'libgreet1', version: '1.0-1', source: 'libgreet', multiArch: 'same', section: 'libs' },
            {
              name: 'libgreet1',
              version: '1.2-1',
              source: 'libgreet (1.2-1)',
              multiArch: 'same',
              section: 'libs',
              depends: 'greet-data (= 1.2-1), libc-fake (>= 2.36)',
              compression: 'zstd',
            },
            {
              name: 'libgreet1',
              version: '1.2-1',
              arch: 'arm64',
              source: 'libgreet',
              multiArch: 'same',
              depends: 'greet-data (= 1.2-1)',
            },
            {
              name: 'greet-data',
              version: '1.2-1',
              arch: 'all',
              source: 'libgreet',
              multiArch: 'foreign',
              compression: 'none',
            },
            {
              name: 'shell-impl',
              version: '3.0-1',
              provides: 'virtual-shell',
              files: [
                { path: 'usr/bin/sh-impl', content: '#!/bin/sh\n', mode: 0o755 },
                { path: 'usr/bin/vsh', symlink: 'sh-impl' },
                { path: 'usr/bin/sh-impl-hard', hardlinkTo: 'usr/bin/sh-impl' },
                { path: 'usr/bin/suid-helper', content: 'suid\n', mode: 0o4755 },
                { path: 'var/lib/shell-impl', dir: true, mode: 0o1777 },
                { path: 'var/lib/shell-impl/owned', content: 'owned\n', mode: 0o640, ...owner },
              ],
            },
            { name: 'hello-doc', version: '1.0-1', arch: 'all', section: 'doc' },
            { name: 'tzfake', version: '1:2024a-1', arch: 'all' },
            { name: 'essential-fake', version: '1.0', essential: true, priority: 'required' },
          ],
          contrib: [{ name: 'busybox-fake', version: '1.36-1', provides: 'virtual-shell' }],
        },
      },
      'pith-updates': {
        components: { main: [{ name: 'tzfake', version: '1:2024b-1', arch: 'all' }] },
      },
    },
  };
}

export interface AptResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface AptClient {
  /** The private state/cache/config directory. */
  dir: string;
  /** Runs `apt-get <args>` with the private configuration (cwd: `dir`/download). */
  aptGet(args: string[]): Promise<AptResult>;
  /** `dir`/download, where `apt-get download` writes. */
  downloadDir: string;
}

/**
 * The host's apt-get, configured to see nothing but `sources` (one-line `deb` entries for the
 * served repository, e.g. `${url} pith main contrib`), trusting only `keyringPath`: private
 * state, cache, config parts and an empty dpkg status under `dir`; amd64 only; no locking.
 */
export async function aptClient(dir: string, sources: string[], keyringPath: string): Promise<AptClient> {
  const sub = (name: string) => join(dir, name);
  await Promise.all(
    ['state', 'cache', 'log', 'parts', 'sources.d', 'prefs.d', 'trusted.d', 'download'].map((name) =>
      mkdir(sub(name), { recursive: true }),
    ),
  );
  await writeFile(sub('status'), '');
  await writeFile(sub('sources.list'), sources.map((line) => `deb [signed-by=${keyringPath}] ${line}\n`).join(''));
  const config = [
    `Dir::State "${sub('state')}";`,
    `Dir::State::status "${sub('status')}";`,
    `Dir::Cache "${sub('cache')}";`,
    `Dir::Log "${sub('log')}";`,
    `Dir::Etc::main "/dev/null";`,
    `Dir::Etc::Parts "${sub('parts')}";`,
    `Dir::Etc::SourceList "${sub('sources.list')}";`,
    `Dir::Etc::SourceParts "${sub('sources.d')}";`,
    `Dir::Etc::Preferences "/dev/null";`,
    `Dir::Etc::PreferencesParts "${sub('prefs.d')}";`,
    `Dir::Etc::Trusted "${sub('trusted.gpg')}";`,
    `Dir::Etc::TrustedParts "${sub('trusted.d')}";`,
    'APT::Architecture "amd64";',
    'APT::Architectures { "amd64"; };',
    'APT::Sandbox::User "root";',
    'Debug::NoLocking "1";',
    'Acquire::Languages "none";',
    'Acquire::Retries "0";',
    'Acquire::http::Proxy "DIRECT";',
  ].join('\n');
  await writeFile(sub('apt.conf'), `${config}\n`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', APT_CONFIG: sub('apt.conf'), HOME: dir };
  const aptGet = (args: string[]) =>
    new Promise<AptResult>((done) => {
      execFile(
        'apt-get',
        args,
        { cwd: sub('download'), env, encoding: 'utf8', maxBuffer: 1 << 26 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          done({ status: code, stdout, stderr });
        },
      );
    });
  return { dir, aptGet, downloadDir: sub('download') };
}
