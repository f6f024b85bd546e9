/**
 * What pith leaves out of Debian packages when documentation trimming is on (`docs: true`).
 * Distroless keeps every file of every package (its issues #508, #273); an image needs none of
 * these at run time, but it does need the licences, so copyright files always stay.
 *
 * The list below is the single source of truth (the README quotes it). With `docs: true`:
 *
 *   usr/share/doc/**        dropped, except
 *                             - usr/share/doc/<pkg>            (the directory, or a symlink such as
 *                                                               libgcc-s1's `usr/share/doc/libgcc-s1
 *                                                               -> gcc-12-base`, so every package's
 *                                                               copyright stays reachable)
 *                             - usr/share/doc/<pkg>/copyright  (the licence)
 *   usr/share/man/**        manual pages (the directory itself too)
 *   usr/share/info/**       info manuals
 *   usr/share/locale/**     message translations (usr/lib/locale, where C.utf8 lives, is kept)
 *   usr/share/lintian/**    lintian overrides
 *   usr/share/doc-base/**   doc-base registrations
 *   usr/share/bug/**        reportbug scripts
 *
 * With `docs: false` nothing is dropped. Paths are the package's own (as in its data.tar and
 * md5sums), without a leading slash.
 */

export interface TrimOptions {
  /** Drop documentation, manuals, translations and packaging metadata (see the list above). */
  docs: boolean;
}

/** The directories dropped whole (with everything below them) when `docs` is true. */
export const TRIMMED_DIRS: readonly string[] = Object.freeze([
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'usr/share/doc-base',
  'usr/share/bug',
]);

/** Dropped below it, except `<pkg>` entries and `<pkg>/copyright` files. */
export const DOC_DIR = 'usr/share/doc';

/** Whether a package path (with or without a leading slash or `./`) is left out of the image. */
export function isTrimmed(path: string, options: TrimOptions): boolean {
  return trimReason(path, options) !== undefined;
}

/** Why a package path is left out (`trim: docs drops usr/share/man/**`), or undefined when it stays. */
export function trimReason(path: string, options: TrimOptions): string | undefined {
  if (!options.docs) return undefined;
  const p = path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  for (const dir of TRIMMED_DIRS) {
    if (p === dir || p.startsWith(`${dir}/`)) return `trim: docs drops ${dir}/**`;
  }
  if (p.startsWith(`${DOC_DIR}/`)) {
    const rest = p.slice(DOC_DIR.length + 1).split('/');
    // usr/share/doc/<pkg>: kept (directory or symlink to another package's doc directory).
    if (rest.length === 1) return undefined;
    // usr/share/doc/<pkg>/copyright: kept; anything else below <pkg> goes.
    if (rest.length === 2 && rest[1] === 'copyright') return undefined;
    return `trim: docs drops ${DOC_DIR}/** but copyright files`;
  }
  return undefined;
}
