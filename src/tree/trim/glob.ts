/**
 * Globs over image paths (no leading slash; one is stripped if given), for `trim: closure`'s keep
 * lists and rules table:
 *   `*`   any run of characters within one path segment (not `/`)
 *   `?`   one character other than `/`
 *   `**`  as a whole segment: zero or more segments (`a/**` matches `a` itself and everything
 *         below it; `**\/x` matches `x` at any depth)
 * Everything else is literal. No character classes or braces: keep the language small enough to
 * explain in one line of the README.
 */

export type GlobMatcher = (path: string) => boolean;

/** True when the pattern has any wildcard (otherwise it names one path). */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Strips leading slashes and `./`, trailing slashes and repeated slashes. */
export function normalizePattern(pattern: string): string {
  return pattern
    .replace(/^(\.?\/)+/, '')
    .replace(/\/+/g, '/')
    .replace(/\/+$/, '');
}

const escape = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

export function globToRegExp(pattern: string): RegExp {
  const segments = normalizePattern(pattern).split('/');
  let out = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      // Zero or more whole segments. As the last segment it also matches the parent itself.
      if (last) out = i === 0 ? '.*' : `${out.slice(0, -1)}(?:/.*)?`;
      else out += '(?:[^/]+/)*';
      return;
    }
    let part = '';
    for (const ch of segment) part += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : escape(ch);
    out += last ? part : `${part}/`;
  });
  return new RegExp(`^${out}$`);
}

export function compileGlob(pattern: string): GlobMatcher {
  const re = globToRegExp(pattern);
  return (path) => re.test(path.replace(/^\/+/, ''));
}

export function matchGlob(pattern: string, path: string): boolean {
  return compileGlob(pattern)(path);
}
