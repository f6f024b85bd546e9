/**
 * The host's apt sources, so that pith uses the mirror the machine is already configured for
 * instead of a hard-coded host.
 *
 * Read, in apt's order: `etc/apt/sources.list` (one-line format), then the files of
 * `etc/apt/sources.list.d/` sorted by name: `*.list` (one-line) and `*.sources` (deb822). Like apt,
 * files whose names are not `[A-Za-z0-9_.-]+\.(list|sources)` are ignored (e.g. `x.list.disabled`).
 * Only `deb` entries count (not `deb-src`); deb822 stanzas with `Enabled: no` are skipped. apt.conf
 * settings that move these files (Dir::Etc::SourceList, ...) are not honoured.
 *
 * `signedBy` is kept as written: usually a keyring path (absolute on the host, not under `root`),
 * but apt also allows fingerprints or, in .sources, an inline armored key block.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PithError } from '../../../errors.js';
import { parseDeb822 } from './deb822.js';

export interface AptSource {
  /** The repository root URI, without a trailing slash. */
  uri: string;
  suites: string[];
  /** Empty for a flat repository (suite ending in `/`). */
  components: string[];
  signedBy?: string;
  architectures?: string[];
  /** The file it came from (under `root`). */
  file: string;
}

export interface DebianMirror {
  /** The URI serving the release suites, e.g. `http://<mirror>/debian`. */
  archive: string;
  /** The URI serving `<codename>-security`, when the host has one. */
  security?: string;
}

export interface SuiteRef {
  suite: string;
  uri: string;
  signedBy?: string;
}

const SOURCE_FILE = /^[A-Za-z0-9_.-]+\.(list|sources)$/;

function normaliseUri(uri: string): string {
  return uri.replace(/\/+$/, '');
}

/** Parse one-line `sources.list` content. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  text.split('\n').forEach((rawLine, i) => {
    // apt drops everything from a '#' to the end of the line.
    const hash = rawLine.indexOf('#');
    const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
    if (line === '') return;
    const fail = (why: string) =>
      new PithError('input', `bad apt source line: ${why}`, {
        where: `${file}:${i + 1}`,
        hint: 'expected "deb [options] URI SUITE [COMPONENT...]"',
      });
    const typeMatch = /^(\S+)\s+/.exec(line);
    if (!typeMatch) throw fail('no URI');
    const type = typeMatch[1]!;
    if (type !== 'deb' && type !== 'deb-src') throw fail(`unknown type "${type}"`);
    let rest = line.slice(typeMatch[0].length);
    const options = new Map<string, string>();
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) throw fail('unterminated [ options ]');
      for (const opt of rest.slice(1, close).trim().split(/\s+/)) {
        if (opt === '') continue;
        const eq = opt.indexOf('=');
        if (eq <= 0) throw fail(`option "${opt}" is not key=value`);
        // arch+= / arch-= tweak apt's default list; treat them like plain values (good enough here).
        options.set(opt.slice(0, eq).replace(/[+-]$/, '').toLowerCase(), opt.slice(eq + 1));
      }
      rest = rest.slice(close + 1).trim();
    }
    const words = rest.split(/\s+/).filter((w) => w !== '');
    if (words.length < 2) throw fail('needs a URI and a suite');
    if (type === 'deb-src') return;
    const [uri, suite, ...components] = words as [string, string, ...string[]];
    if (!suite.endsWith('/') && components.length === 0) throw fail(`suite "${suite}" needs at least one component`);
    const src: AptSource = { uri: normaliseUri(uri), suites: [suite], components, file };
    const signedBy = options.get('signed-by');
    if (signedBy) src.signedBy = signedBy;
    const arch = options.get('arch');
    if (arch) src.architectures = arch.split(',').filter((a) => a !== '');
    out.push(src);
  });
  return out;
}

/** Parse deb822 `.sources` content: one AptSource per URI of each enabled `deb` stanza. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const p of parseDeb822(text, { comments: true, source: file })) {
    const fail = (why: string) => new PithError('input', `bad apt source: ${why}`, { where: `${file}:${p.line}` });
    const words = (field: string) => (p.get(field) ?? '').split(/\s+/).filter((w) => w !== '');
    const enabled = (p.get('Enabled') ?? 'yes').toLowerCase();
    if (enabled === 'no' || enabled === 'false') continue;
    const types = words('Types');
    if (types.length === 0) throw fail('no Types field');
    if (!types.includes('deb')) continue;
    const uris = words('URIs');
    const suites = words('Suites');
    const components = words('Components');
    if (uris.length === 0) throw fail('no URIs field');
    if (suites.length === 0) throw fail('no Suites field');
    if (components.length === 0 && suites.some((s) => !s.endsWith('/'))) throw fail('no Components field');
    const signedBy = p.get('Signed-By');
    const architectures = words('Architectures');
    for (const uri of uris) {
      const src: AptSource = { uri: normaliseUri(uri), suites, components, file };
      if (signedBy) src.signedBy = signedBy;
      if (architectures.length > 0) src.architectures = architectures;
      out.push(src);
    }
  }
  return out;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** All `deb` sources configured under `root` (default the host), in apt's reading order. */
export async function readHostAptSources(root = '/'): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const main = join(root, 'etc/apt/sources.list');
  const mainText = await readIfExists(main);
  if (mainText !== undefined) out.push(...parseOneLineSources(mainText, main));
  const dir = join(root, 'etc/apt/sources.list.d');
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names.filter((n) => SOURCE_FILE.test(n)).sort()) {
    const path = join(dir, name);
    const text = await readIfExists(path);
    if (text === undefined) continue;
    out.push(...(name.endsWith('.sources') ? parseDeb822Sources(text, path) : parseOneLineSources(text, path)));
  }
  return out;
}

/** Debian's own suite names, to tell a Debian archive from third-party sources on the host. */
const DEBIAN_SUITES = new Set([
  'buster',
  'bullseye',
  'bookworm',
  'trixie',
  'forky',
  'duke',
  'sid',
  'experimental',
  'oldoldstable',
  'oldstable',
  'stable',
  'testing',
  'unstable',
]);

function baseSuite(suite: string): string {
  return suite
    .replace(/[-/](security|updates|backports|proposed-updates|backports-sloppy)$/, '')
    .replace(/\/updates$/, '');
}

function isSecuritySuite(suite: string): boolean {
  return /-security$/.test(suite) || /\/updates$/.test(suite);
}

function servesDebian(src: AptSource): boolean {
  return src.suites.some((s) => DEBIAN_SUITES.has(baseSuite(s)));
}

/**
 * The Debian archive and security URIs among the host's sources. When `codename` is given, prefer
 * sources that serve it. Throws PithError('input') when no source serves a Debian suite.
 */
export function defaultDebianMirror(sources: readonly AptSource[], codename?: string): DebianMirror {
  const debian = sources.filter(servesDebian);
  const archives = debian.filter((s) => s.suites.some((x) => !isSecuritySuite(x)));
  const securities = debian.filter((s) => s.suites.some(isSecuritySuite));
  const prefer = (list: AptSource[], wanted: (suite: string) => boolean) =>
    (codename ? list.find((s) => s.suites.some((x) => wanted(x) && baseSuite(x) === codename)) : undefined) ??
    list.find((s) => s.suites.some(wanted));
  const archive = prefer(archives, (x) => !isSecuritySuite(x));
  if (!archive) {
    throw new PithError('input', 'no Debian archive among the host apt sources', {
      where: '/etc/apt/sources.list{,.d}',
      hint: 'add a "deb" source for a Debian suite or configure the mirror explicitly',
    });
  }
  const security = prefer(securities, isSecuritySuite);
  const archiveUri = normaliseUri(archive.uri);
  return security ? { archive: archiveUri, security: normaliseUri(security.uri) } : { archive: archiveUri };
}

/**
 * Where Debian keeps security updates relative to an archive URI: `.../debian` serves them at
 * `.../debian-security`, and a snapshot `.../archive/debian/<timestamp>` at
 * `.../archive/debian-security/<timestamp>`.
 */
export function deriveSecurityUri(archiveUri: string): string {
  const uri = normaliseUri(archiveUri);
  const snapshot = /^(.*\/archive\/debian)(\/[0-9]{8}T[0-9]{6}Z)$/.exec(uri);
  if (snapshot) return `${snapshot[1]}-security${snapshot[2]}`;
  return `${uri}-security`;
}

/**
 * The suites a release is made of: `<codename>` and `<codename>-updates` from the archive, and
 * `<codename>-security` from the security URI (derived from the archive URI when the host has no
 * security source). `sid`/`unstable`/`experimental` have neither updates nor security suites.
 */
export function suiteSet(codename: string, sources: readonly AptSource[]): SuiteRef[] {
  const mirror = defaultDebianMirror(sources, codename);
  const signedByOf = (uri: string) => sources.find((s) => normaliseUri(s.uri) === uri && s.signedBy)?.signedBy;
  const ref = (suite: string, uri: string): SuiteRef => {
    const signedBy = signedByOf(uri);
    return signedBy ? { suite, uri, signedBy } : { suite, uri };
  };
  if (codename === 'sid' || codename === 'unstable' || codename === 'experimental') {
    return [ref(codename, mirror.archive)];
  }
  const security = mirror.security ?? deriveSecurityUri(mirror.archive);
  return [
    ref(codename, mirror.archive),
    ref(`${codename}-updates`, mirror.archive),
    ref(`${codename}-security`, security),
  ];
}
