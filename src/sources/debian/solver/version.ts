/**
 * Debian version strings, compared exactly like dpkg (lib/dpkg/version.c, Debian policy 5.6.12):
 * `[epoch:]upstream[-revision]`, where the epoch is a number, and upstream and revision are compared
 * as alternating runs of non-digits (character by character, with `~` before everything including
 * the end of the string, letters before non-letters) and digits (compared as numbers of any length).
 */
import { PithError } from '../../../errors.js';

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** `''` when the version has no `-revision` (which compares equal to `0`, as in dpkg). */
  revision: string;
}

export type VersionOp = '<<' | '<=' | '=' | '>=' | '>>';

/** dpkg refuses epochs above INT_MAX. */
const MAX_EPOCH = 2147483647;

/**
 * Split a version into its parts. Throws a PithError('input') for the mistakes dpkg itself rejects
 * (empty, embedded spaces, empty or non-numeric or too big epoch, nothing after the colon, empty
 * revision). Like dpkg's `--compare-versions`, it tolerates what dpkg only warns about (upstream not
 * starting with a digit, unusual characters), so that comparisons agree with dpkg.
 */
export function parseVersion(version: string): DebianVersion {
  const v = version.trim();
  const bad = (why: string) =>
    new PithError('input', `version '${version}' has bad syntax: ${why}`, {
      hint: 'Debian versions look like [epoch:]upstream[-revision]',
    });
  if (v === '') throw bad('version string is empty');
  if (/\s/.test(v)) throw bad('version string has embedded spaces');

  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (e === '') throw bad('epoch in version is empty');
    if (!/^[0-9]+$/.test(e)) throw bad('epoch in version is not number');
    // Compare as digit strings first so that absurdly long epochs do not lose precision.
    const trimmed = e.replace(/^0+(?=.)/, '');
    if (trimmed.length > 10 || Number(trimmed) > MAX_EPOCH) throw bad('epoch in version is too big');
    epoch = Number(trimmed);
    rest = v.slice(colon + 1);
    if (rest === '') throw bad('nothing after colon in version number');
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') throw bad('revision number is empty');
  }
  if (upstream === '') throw bad('version number is empty');
  return { epoch, upstream, revision };
}

/** Back to the canonical string (an epoch of 0 and an empty revision are left out). */
export function formatVersion(v: DebianVersion): string {
  return `${v.epoch ? `${v.epoch}:` : ''}${v.upstream}${v.revision ? `-${v.revision}` : ''}`;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_TILDE = 126;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** dpkg's order(): digits and end of string 0, `~` -1, letters their code, anything else code + 256. */
function order(c: number): number {
  if (c === 0 || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === CH_TILDE) return -1;
  return c + 256;
}

/** dpkg's verrevcmp() on one part (upstream or revision). NaN from charCodeAt past the end reads as 0. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character.
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    // Digit run, as a number of any length: skip leading zeros, then the longer run is bigger,
    // and for equal lengths the first differing digit decides.
    while (at(a, i) === CH_0) i++;
    while (at(b, j) === CH_0) j++;
    let firstDiff = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Compare parsed versions: negative, 0 or positive like dpkg (only the sign is meaningful). */
export function compareParsed(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const u = compareFragment(a.upstream, b.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(compareFragment(a.revision, b.revision));
}

/** Compare two version strings: -1, 0 or 1, agreeing with `dpkg --compare-versions`. */
export function compareVersions(a: string, b: string): number {
  return compareParsed(parseVersion(a), parseVersion(b));
}

/** Whether `version` satisfies the relation `op ref`, e.g. `satisfies('1.2-1', '>=', '1.2')`. */
export function satisfies(version: string, op: VersionOp, ref: string): boolean {
  const c = compareVersions(version, ref);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
