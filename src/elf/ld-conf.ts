/**
 * The loader's configured library directories, read from the filesystem being examined:
 * glibc's /etc/ld.so.conf (what ldconfig turns into /etc/ld.so.cache) and musl's
 * /etc/ld-musl-<arch>.path.
 */
import { posix } from 'node:path';
import type { FsView } from './fs-view.js';
import { lookupPath } from './paths.js';

const utf8 = new TextDecoder('utf-8');

/** Contents of a file inside the view, following symlinks; undefined when it is not a regular file. */
async function readText(path: string, fs: FsView): Promise<string | undefined> {
  const found = await lookupPath(path, fs);
  if (!found.ok) return undefined;
  const st = await fs.lstat(found.chain.realPath);
  if (st?.type !== 'file') return undefined;
  return utf8.decode(await fs.readFile(found.chain.realPath));
}

async function realDir(path: string, fs: FsView): Promise<string | undefined> {
  const found = await lookupPath(path, fs);
  if (!found.ok) return undefined;
  const st = await fs.lstat(found.chain.realPath);
  return st?.type === 'dir' ? found.chain.realPath : undefined;
}

const hasGlobMeta = (part: string) => /[*?[]/.test(part);

/** fnmatch(3) without flags, for one path component: `*`, `?`, `[...]`, `[!...]`, backslash escapes. */
export function globComponentToRegExp(part: string): RegExp {
  let source = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < part.length) source += escapeRe(part[++i] as string);
    else if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = part.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += escapeRe(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** glob(3) over the view: sorted matches; leading dots only matched explicitly, like glob. */
export async function globPaths(pattern: string, fs: FsView): Promise<string[]> {
  let bases = ['/'];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    const next: string[] = [];
    for (const base of bases) {
      const join = base === '/' ? `/${part}` : `${base}/${part}`;
      if (!hasGlobMeta(part)) {
        next.push(join);
        continue;
      }
      const dir = await realDir(base, fs);
      if (dir === undefined) continue;
      const re = globComponentToRegExp(part);
      for (const name of (await fs.readdir(dir)).sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(base === '/' ? `/${name}` : `${base}/${name}`);
      }
    }
    bases = next;
  }
  return bases.sort();
}

/**
 * Directories from /etc/ld.so.conf in ldconfig's order, `include` globs expanded in place, relative
 * include patterns taken relative to the including file's directory. Like ldconfig: `#` starts a
 * comment, `hwcap` lines and `=type` suffixes are ignored, trailing slashes are dropped, directories
 * that do not exist are skipped and one reached twice (same real directory, e.g. /lib/x and /usr/lib/x
 * on a merged-/usr system) is kept only the first time. Relative directories are ignored.
 */
export async function readLdSoConf(fs: FsView, confPath = '/etc/ld.so.conf'): Promise<string[]> {
  const dirs: string[] = [];
  const realSeen = new Set<string>();
  const filesSeen = new Set<string>();

  async function parseFile(file: string): Promise<void> {
    const found = await lookupPath(file, fs);
    if (!found.ok || filesSeen.has(found.chain.realPath)) return; // include loops: read each file once
    filesSeen.add(found.chain.realPath);
    const text = await readText(file, fs);
    if (text === undefined) return;
    for (const raw of text.split('\n')) {
      const line = raw.split('#')[0]!.replace(/^\s+/, '');
      if (line === '') continue;
      const include = /^include[ \t]+(.*)$/.exec(line);
      if (include) {
        for (const pattern of include[1]!.split(/[ \t]+/).filter((p) => p !== '')) {
          // Textual, like ldconfig: `..` must be resolved by the lookup, not by string rewriting.
          const absolute = pattern.startsWith('/') ? pattern : `${posix.dirname(file)}/${pattern}`;
          for (const match of await globPaths(absolute, fs)) await parseFile(match);
        }
        continue;
      }
      if (/^hwcap[ \t]/i.test(line)) continue;
      const dir = line.split('=')[0]!.replace(/\s+$/, '').replace(/\/+$/, '');
      if (dir === '' || !dir.startsWith('/')) continue;
      const real = await realDir(dir, fs);
      if (real === undefined || realSeen.has(real)) continue;
      realSeen.add(real);
      dirs.push(dir);
    }
  }

  await parseFile(confPath);
  return dirs;
}

/**
 * musl's search path: <prefix>/etc/ld-musl-<arch>.path (directories separated by newlines or colons),
 * or musl's built-in default when that file does not exist. `<arch>` comes from the interpreter name
 * and <prefix> is the directory above the interpreter's (empty for /lib/ld-musl-x86_64.so.1), as in
 * musl's ldso/dynlink.c.
 */
export async function readMuslPath(fs: FsView, interpreter: string): Promise<string[]> {
  const match = /^ld-musl-(.+)\.so\.\d+$/.exec(posix.basename(interpreter));
  const prefix = posix.dirname(posix.dirname(interpreter));
  const file = match ? `${prefix === '/' || prefix === '.' ? '' : prefix}/etc/ld-musl-${match[1]}.path` : undefined;
  const text = file ? await readText(file, fs) : undefined;
  if (text === undefined) return ['/lib', '/usr/local/lib', '/usr/lib'];
  return text
    .split(/[\n:]/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

/** True when `interpreter` is musl's dynamic loader (its search rules differ from glibc's). */
export const isMuslInterpreter = (interpreter: string | undefined): boolean =>
  interpreter !== undefined && /^ld-musl-.+\.so\.\d+$/.test(posix.basename(interpreter));
