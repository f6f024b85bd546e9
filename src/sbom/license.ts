/**
 * Debian machine-readable copyright files (DEP-5, copyright-format/1.0) -> an SPDX license
 * expression for the package. The `Files: *` paragraph's License is the package's license; a file
 * without one gets every distinct license of its Files paragraphs, combined with AND. Debian
 * short names map to SPDX ids through a table; anything else becomes LicenseRef-<name>.
 * Files that are not DEP-5 (free-form text) give undefined: nothing is guessed from prose.
 */

/** Debian short name (lowercased) -> SPDX License List id. */
const SHORT_NAMES: Record<string, string> = {
  'apache-1.0': 'Apache-1.0',
  'apache-1.1': 'Apache-1.1',
  'apache-2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  artistic: 'Artistic-1.0-Perl',
  'artistic-1.0': 'Artistic-1.0',
  'artistic-2.0': 'Artistic-2.0',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause',
  'bsl-1.0': 'BSL-1.0',
  'boost-1.0': 'BSL-1.0',
  cc0: 'CC0-1.0',
  'cc0-1.0': 'CC0-1.0',
  'cc-by-3.0': 'CC-BY-3.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by-sa-3.0': 'CC-BY-SA-3.0',
  'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  curl: 'curl',
  expat: 'MIT',
  mit: 'MIT',
  x11: 'X11',
  isc: 'ISC',
  zlib: 'Zlib',
  libpng: 'Libpng',
  ftl: 'FTL',
  openssl: 'OpenSSL',
  'mpl-1.1': 'MPL-1.1',
  'mpl-2.0': 'MPL-2.0',
  'psf-2': 'PSF-2.0',
  'psf-2.0': 'PSF-2.0',
  'python-2.0': 'Python-2.0',
  'unicode-dfs-2015': 'Unicode-DFS-2015',
  'unicode-dfs-2016': 'Unicode-DFS-2016',
  unlicense: 'Unlicense',
  wtfpl: 'WTFPL',
  'zpl-2.1': 'ZPL-2.1',
  'public-domain': 'LicenseRef-public-domain',
  gpl: 'GPL-1.0-or-later',
  lgpl: 'LGPL-2.0-or-later',
};

/** (A/L)GPL and GFDL: Debian "GPL-2", "GPL-2+", "GPL-2.0+", "LGPL-2.1" -> SPDX -only / -or-later. */
const FAMILIES: Record<string, string> = { gpl: 'GPL', lgpl: 'LGPL', agpl: 'AGPL', gfdl: 'GFDL' };

/** Debian "with X exception" names -> SPDX exception ids. */
const EXCEPTIONS: Record<string, string> = {
  autoconf: 'Autoconf-exception-2.0',
  'autoconf-3.0': 'Autoconf-exception-3.0',
  bison: 'Bison-exception-2.2',
  classpath: 'Classpath-exception-2.0',
  font: 'Font-exception-2.0',
  gcc: 'GCC-exception-3.1',
  'gcc-runtime': 'GCC-exception-3.1',
  'gcc-3.1': 'GCC-exception-3.1',
  libtool: 'Libtool-exception',
  'linux-syscall-note': 'Linux-syscall-note',
  openssl: 'OpenSSL-exception',
};

/** LicenseRef-<name>, with every character SPDX does not allow in an id replaced by '-'. */
export function licenseRef(name: string): string {
  return `LicenseRef-${
    name
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '') || 'unknown'
  }`;
}

/** One Debian short name ("GPL-2+", "Expat") -> an SPDX id or LicenseRef. */
export function spdxLicenseId(shortName: string): string {
  const name = shortName.trim();
  const lower = name.toLowerCase();
  const direct = SHORT_NAMES[lower];
  if (direct) return direct;
  const m = /^(gpl|lgpl|agpl|gfdl)-(\d+(?:\.\d+)?)(\+?)$/.exec(lower);
  if (m) {
    const family = FAMILIES[m[1]!]!;
    const version = m[2]!.includes('.') ? m[2]! : `${m[2]}.0`;
    // SPDX has no LGPL-2.0/2.1 split for "LGPL-2": Debian's LGPL-2 is the 2.0 Library GPL.
    const known = {
      GPL: ['1.0', '2.0', '3.0'],
      LGPL: ['2.0', '2.1', '3.0'],
      AGPL: ['1.0', '3.0'],
      GFDL: ['1.1', '1.2', '1.3'],
    }[family]!;
    if (known.includes(version)) return `${family}-${version}-${m[3] ? 'or-later' : 'only'}`;
  }
  return licenseRef(name);
}

/** A Debian License-field expression ("GPL-2+ or Artistic, and BSD-3-clause") -> SPDX. */
export function spdxExpression(debian: string): string {
  // Comma-separated groups bind loosest ("A or B, and C" is "(A or B) and C").
  const groups = debian
    .split(/,\s*(?=(?:and|or)\s)/i)
    .map((g) => g.trim())
    .filter(Boolean);
  if (groups.length === 0) return 'NOASSERTION';
  const converted = groups.map((g, i) => {
    const op = i === 0 ? '' : /^(and|or)\s+/i.exec(g)![1]!.toUpperCase();
    const body = i === 0 ? g : g.replace(/^(and|or)\s+/i, '');
    return { op, expr: simpleExpression(body) };
  });
  if (converted.length === 1) return converted[0]!.expr;
  let out = paren(converted[0]!.expr);
  for (const c of converted.slice(1)) out += ` ${c.op} ${paren(c.expr)}`;
  return out;
}

/** "A or B and C" without commas: Debian gives 'and' precedence over 'or', as SPDX does. */
function simpleExpression(text: string): string {
  const tokens = text.split(/\s+(and|or)\s+/i);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    if (i % 2 === 1) out += ` ${tokens[i]!.toUpperCase()} `;
    else out += withException(tokens[i]!);
  }
  return out;
}

function withException(term: string): string {
  const m = /^(.+?)\s+with\s+(.+?)\s+exception$/i.exec(term.trim());
  if (!m) return spdxLicenseId(term);
  const exception = EXCEPTIONS[m[2]!.toLowerCase()];
  const id = spdxLicenseId(m[1]!);
  if (exception && !id.startsWith('LicenseRef-')) return `${id} WITH ${exception}`;
  return licenseRef(`${m[1]}-with-${m[2]}-exception`);
}

const paren = (e: string) => (/ (AND|OR) /.test(e) ? `(${e})` : e);

interface Paragraph {
  [field: string]: string;
}

/** RFC 822-style paragraphs: "Field: value" with indented continuation lines. */
function paragraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph = {};
  let last: string | undefined;
  const flush = () => {
    if (Object.keys(current).length) out.push(current);
    current = {};
    last = undefined;
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trim() === '') {
      flush();
      continue;
    }
    if (raw.startsWith('#')) continue;
    if (/^[ \t]/.test(raw)) {
      if (last !== undefined) current[last] += `\n${raw.trim()}`;
      continue;
    }
    const m = /^([!-9;-~][!-9;-~]*):(.*)$/.exec(raw);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    current[last] = m[2]!.trim();
  }
  flush();
  return out;
}

/** The License field's first line: the short-name expression (what follows is license text). */
const firstLine = (v: string) => v.split('\n')[0]!.trim();

export function isDep5(text: string): boolean {
  const header = paragraphs(text)[0];
  const format = header?.['format'] ?? header?.['format-specification'];
  return format !== undefined && /copyright-format\/1\.0|dep-?5/i.test(format);
}

/**
 * The SPDX expression for a Debian package from its /usr/share/doc/<pkg>/copyright, or
 * undefined when the file is not machine-readable or names no license.
 */
export function licenseFromCopyright(text: string): string | undefined {
  if (!isDep5(text)) return undefined;
  const paras = paragraphs(text).slice(1);
  const filesParas = paras.filter(
    (p) => p['files'] !== undefined && p['license'] !== undefined && firstLine(p['license']) !== '',
  );
  const star = filesParas.find((p) => p['files']!.split(/\s+/).includes('*'));
  if (star) return spdxExpression(firstLine(star['license']!));
  // Header-level License (allowed by DEP-5) when there are no Files paragraphs with one.
  const sources = filesParas.length
    ? filesParas
    : paragraphs(text)
        .slice(0, 1)
        .filter((p) => p['license'] && firstLine(p['license']));
  const distinct: string[] = [];
  for (const p of sources) {
    const e = spdxExpression(firstLine(p['license']!));
    if (!distinct.includes(e)) distinct.push(e);
  }
  if (distinct.length === 0) return undefined;
  return distinct.length === 1 ? distinct[0] : distinct.map(paren).join(' AND ');
}
