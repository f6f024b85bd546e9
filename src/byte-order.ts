/**
 * The one order pith sorts names by: the byte order of their UTF-8 encodings, which is code-point
 * order, never the locale's. Tar members, layer plans, SBOM entries and lockfile lines all use it,
 * so an image is the same whatever machine built it.
 *
 * JavaScript's `<` compares UTF-16 code units, which agrees with code-point order except when a
 * surrogate (a character above U+FFFF) meets a character in U+E000..U+FFFF at the first
 * difference. Both strings must then hold a unit >= U+D800, which one native test rules out for
 * nearly every string, so the common case costs no more than `<` (and far less than comparing
 * Buffers).
 */
const WIDE = /[\ud800-\uffff]/;

export function compareBytes(a: string, b: string): number {
  if (!WIDE.test(a) || !WIDE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Surrogates (U+10000 and up) rank above U+E000..U+FFFF, as their code points do. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** A comparator of items by a string key, in byte order. */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareBytes(key(a), key(b));
}
