/**
 * The package database scanners read, in distroless' form: one `var/lib/dpkg/status.d/<name>`
 * per package holding the .deb's control file verbatim (no `Status:` line; Trivy, Grype/Syft and
 * Clair take a missing Status as installed) and `var/lib/dpkg/status.d/<name>.md5sums` with the
 * .deb's md5sums. There is no var/lib/dpkg/status and no info/ directory.
 */
import { integrityError } from '../../../errors.js';
import { controlField } from '../../../tree/trim/dpkg-database.js';

export { STATUS_DIR, statusPath, md5sumsPath, controlField } from '../../../tree/trim/dpkg-database.js';

/**
 * Checks that a .deb's control file describes the package it was selected as: a .deb that
 * verified against the index but says it is something else means the index or cache is wrong.
 */
export function checkControlIdentity(
  control: string,
  expected: { name: string; version: string; architecture?: string },
): void {
  const pairs: Array<[string, string | undefined]> = [
    ['Package', expected.name],
    ['Version', expected.version],
    ['Architecture', expected.architecture],
  ];
  for (const [field, want] of pairs) {
    if (want === undefined) continue;
    const got = controlField(control, field);
    if (got !== want) {
      throw integrityError(
        `the .deb of ${expected.name} ${expected.version} says ${field}: ${got ?? '(none)'}, expected ${want}`,
        {
          where: `package ${expected.name}`,
          hint: 'the package file does not belong to this index entry; clear the cache and try again',
        },
      );
    }
  }
}

/** The path an md5sums line names ("<md5>  usr/bin/x" or "<md5> *usr/bin/x"), or null. */
export function md5sumsLinePath(line: string): string | null {
  const match = /^[0-9a-fA-F]{32} [ *](.+)$/.exec(line);
  return match ? match[1]!.replace(/^(\.\/|\/)+/, '') : null;
}

/**
 * The md5sums text without the lines of `dropped` paths; every other line (and the final newline)
 * stays byte for byte.
 */
export function filterMd5sums(text: string, dropped: (path: string) => boolean): string {
  const lines = text.split('\n');
  const kept = lines.filter((line, index) => {
    if (index === lines.length - 1 && line === '') return true; // after the final newline
    const path = md5sumsLinePath(line);
    return path === null || !dropped(path);
  });
  return kept.join('\n');
}
