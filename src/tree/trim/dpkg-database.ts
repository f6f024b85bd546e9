/**
 * Where the package database sits in an image (distroless' form: one `var/lib/dpkg/status.d/<name>`
 * control file and `<name>.md5sums` per package) and how its fields read. Trim keeps each
 * package's entries with its files; sources/debian writes them (install/dpkg-status.ts). Here,
 * below both, so that trim needs nothing of sources/.
 */
export const STATUS_DIR = 'var/lib/dpkg/status.d';

export function statusPath(packageName: string): string {
  return `${STATUS_DIR}/${packageName}`;
}

export function md5sumsPath(packageName: string): string {
  return `${STATUS_DIR}/${packageName}.md5sums`;
}

/**
 * A field of a control paragraph (the first paragraph's), continuation lines joined with '\n';
 * undefined when absent. Field names are case-insensitive, as in deb822.
 */
export function controlField(control: string, field: string): string | undefined {
  const wanted = field.toLowerCase();
  const lines = control.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') break; // end of the first paragraph
    if (line.startsWith(' ') || line.startsWith('\t') || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.slice(0, colon).toLowerCase() !== wanted) continue;
    const parts = [line.slice(colon + 1).trim()];
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!) && lines[i + 1]!.trim() !== '')
      parts.push(lines[++i]!.trimEnd());
    return parts.join('\n');
  }
  return undefined;
}
