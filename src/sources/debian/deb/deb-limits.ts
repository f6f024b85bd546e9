/**
 * How much one package may unpack to. A .deb that passed its hash check can still be a bomb
 * (230 KB of xz holding 1.5 GiB of zeros) or hold 200,000 empty entries; these bounds refuse it
 * with one line naming the package, before the bytes are decompressed where possible (a file's
 * size is in its tar header). Defaults and environment variables are in src/limits.ts.
 */
import { PithError } from '../../../errors.js';
import { formatBytes, limit, raiseHint } from '../../../limits.js';

export interface DebLimits {
  /** Entries of data.tar (and of control.tar). */
  entries: number;
  /** Regular files' bytes, whatever the package claims. */
  unpackedBytes: number;
  /** Regular files' bytes as a multiple of Installed-Size (KiB), plus a fixed 1 MiB. */
  installedSizeFactor: number;
  /** Bytes of all of control.tar's regular members together. */
  controlBytes: number;
}

const SLACK = 1024 * 1024;

export function debLimits(overrides: Partial<DebLimits> = {}): DebLimits {
  return {
    entries: overrides.entries ?? limit('debEntries'),
    unpackedBytes: overrides.unpackedBytes ?? limit('debUnpackedBytes'),
    installedSizeFactor: overrides.installedSizeFactor ?? limit('debInstalledSizeFactor'),
    controlBytes: overrides.controlBytes ?? limit('debControlBytes'),
  };
}

/** The control file's Installed-Size (KiB), when it has a sane one. */
export function installedSizeOf(control: string): number | undefined {
  const match = /^Installed-Size:[ \t]*([0-9]{1,15})[ \t]*$/im.exec(control);
  return match ? Number(match[1]) : undefined;
}

export function tooManyEntries(where: string, member: string, max: number): PithError {
  return new PithError('input', `${member} has more than ${max} entries; refused`, {
    where,
    hint: raiseHint('debEntries'),
  });
}

/** Counts a package's entries and bytes as they are read, and refuses the one that passes a bound. */
export class UnpackBudget {
  private entries = 0;
  private total = 0;
  /** The byte bound in force and the words that explain it. */
  private readonly maxBytes: number;
  private readonly why: { text: string; hint: string };

  constructor(
    private readonly where: string,
    private readonly limits: DebLimits,
    installedSizeKiB: number | undefined,
  ) {
    const relative =
      installedSizeKiB === undefined ? Infinity : installedSizeKiB * 1024 * limits.installedSizeFactor + SLACK;
    if (relative < limits.unpackedBytes) {
      this.maxBytes = Math.floor(relative);
      this.why = {
        text: `${limits.installedSizeFactor} x its Installed-Size of ${installedSizeKiB} KiB, plus 1 MiB`,
        hint: `its Installed-Size understates it; ${raiseHint('debInstalledSizeFactor')}`,
      };
    } else {
      this.maxBytes = limits.unpackedBytes;
      this.why = { text: 'the limit for one package', hint: raiseHint('debUnpackedBytes') };
    }
  }

  entry(member: string): void {
    if (++this.entries > this.limits.entries) throw tooManyEntries(this.where, member, this.limits.entries);
  }

  /** Called with a regular file's size from its header, before its bytes are read. */
  bytes(member: string, size: number): void {
    this.total += size;
    if (this.total > this.maxBytes) {
      throw new PithError(
        'input',
        `${member} unpacks to more than ${formatBytes(this.maxBytes)} (${this.why.text}); refused`,
        {
          where: this.where,
          hint: this.why.hint,
        },
      );
    }
  }
}
