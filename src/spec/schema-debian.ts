/** The spec's Debian values: suite names (debian:), repositories: entries and package references (packages:). */
import { z } from 'zod';
import { hostPath, list, strict, typeError } from './fields.js';
import type { RepositorySpec } from './types.js';

const SUITE = /^[a-z0-9][a-z0-9.+-]*$/;
export const suiteName = () =>
  z.string({ error: typeError('a suite name like "bookworm"') }).regex(SUITE, {
    error: (iss) => `expected a Debian suite name like "bookworm" or "trixie", got "${String(iss.input)}"`,
  });

export const repository = strict('a mapping with url: and suites:', {
  url: z
    .string({ error: typeError('a URL') })
    .regex(/^(https?|file):\/\/\S+$/, {
      error: (iss) => `expected an http://, https:// or file:// URL, got "${String(iss.input)}"`,
    })
    .transform((u) => u.replace(/\/+$/, ''))
    .describe('Archive root, e.g. http://mirror/debian (a snapshot URL works too).'),
  suites: list(suiteName(), 'a list of suites like [bookworm, bookworm-updates]')
    .min(1, { error: 'must name at least one suite' })
    .describe('Suites (dists/<suite>) to read.'),
  components: list(z.string({ error: typeError('a component name') }).regex(/^[a-z0-9/-]+$/), 'a list like [main]')
    .min(1, { error: 'must name at least one component' })
    .default(() => ['main'])
    .describe('Components; defaults to [main].'),
  keyring: hostPath()
    .optional()
    .describe(
      "OpenPGP keyring that signs the InRelease files (binary or armored); defaults to Debian's archive keyring.",
    ),
}).transform((r): RepositorySpec => ({
  url: r.url,
  suites: r.suites,
  components: r.components,
  ...(r.keyring ? { keyring: r.keyring } : {}),
}));

const PACKAGE_REF = /^[a-z0-9][a-z0-9+.-]*(\s*(\(\s*(<<|<=|=|>=|>>)\s*[A-Za-z0-9.+~:-]+\s*\)|=[A-Za-z0-9.+~:-]+))?$/;
export const packageRef = () =>
  z
    .string({ error: typeError('a package name like "curl" or "curl (>= 7.88)"') })
    .transform((s) => s.trim())
    .refine((s) => PACKAGE_REF.test(s), {
      error: (iss) =>
        `expected a package name with an optional version, like "curl", "curl (>= 7.88)" or "curl=7.88.1-10", got "${String(iss.input)}"`,
    });
