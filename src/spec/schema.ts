/**
 * The spec file as written (kebab-case keys, strict objects), as one zod schema: the single source of
 * truth for validation, for the normalized `Spec` (via `specSchema`) and for the published JSON
 * Schema (`json-schema.ts`).
 *
 * To add a top-level key: add one entry to `specFields` (with `.describe()`), and the same key in
 * camelCase to `Spec` in `types.ts`. The type check at the bottom fails until both agree.
 */
import { z } from 'zod';
import {
  command,
  created,
  imagePath,
  list,
  port,
  signal,
  stringMap,
  strict,
  typeError,
  uniqueBy,
  userRef,
} from './fields.js';
import type { Arch, Spec } from './types.js';
import { DEFAULT_COMPRESSION } from '../image/compression.js';
import { PRESET_NAMES, VARIANT_NAMES } from './types.js';
import { accounts } from './schema-accounts.js';
import { arch, ARCHS } from './schema-arch.js';
import { compression } from './schema-compression.js';
import { binary, file, pathEntry } from './schema-contents.js';
import { packageRef, repository, suiteName } from './schema-debian.js';

export { ARCHS } from './schema-arch.js';

// ---------------------------------------------------------------------------------------------
// Parts (the larger ones are in schema-*.ts)

/** An environment variable name: anything but "=" (and NUL), not empty. */
const envName = z
  .string()
  .min(1, { error: 'names must not be empty' })
  .regex(/^[^=\0]+$/, { error: 'names must not contain "="' });

/** YAML users write `PORT: 8080`; numbers and booleans become their string form. */
const envValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: typeError('a string', (input) =>
      input === null ? 'expected a string, got nothing (write "" for an empty value)' : undefined,
    ),
  })
  .transform((v) => String(v));

// ---------------------------------------------------------------------------------------------
// The file: one entry per key. Output values are already in their `Spec` form.

const NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const specFields = {
  name: z
    .string({ error: typeError('an image name like "myapp"') })
    .max(255, { error: 'must be at most 255 characters' })
    .regex(NAME, {
      error: (iss) =>
        `must be a lowercase repository name: a-z and 0-9, separated by ".", "_", "-" or "/" (e.g. "myapp" or "acme/api"), got "${String(iss.input)}"`,
    })
    .describe('Image repository name (OCI syntax, lowercase), e.g. "myapp" or "acme/api".'),
  tag: z
    .string({
      error: typeError('a tag like "1.0"', (input) =>
        typeof input === 'number' ? 'expected a string, got a number (quote it, e.g. "1.0")' : undefined,
      ),
    })
    .regex(TAG, {
      error: (iss) =>
        `must be a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), got "${String(iss.input)}"`,
    })
    .default('latest')
    .describe('Image tag; defaults to "latest".'),
  archs: list(arch, 'a list of architectures like [amd64, arm64]')
    .min(1, { error: 'must not be empty (leave it out to build for the host architecture)' })
    .superRefine(uniqueBy('architecture', (a: Arch) => a))
    .meta({ uniqueItems: true })
    .optional()
    .describe(`Architectures to build (${ARCHS.join(', ')}); defaults to the host's.`),
  created: created()
    .optional()
    .describe(
      'Creation time: an RFC 3339 string like "2024-01-01T00:00:00Z" or unix seconds; defaults to $SOURCE_DATE_EPOCH, else 0.',
    ),
  entrypoint: command()
    .optional()
    .describe('Entrypoint: a list of strings, or one string split like a shell would (no expansion).'),
  cmd: command()
    .optional()
    .describe('Default arguments: a list of strings, or one string split like a shell would (no expansion).'),
  env: z
    .record(envName, envValue, { error: typeError('a mapping of NAME: value') })
    .default(() => ({}))
    .describe('Environment variables; numbers and booleans are turned into strings.'),
  workdir: imagePath().optional().describe('Working directory (absolute).'),
  user: userRef('"nonroot", "65532" or "65532:65532"')
    .optional()
    .describe('User to run as: a name, uid, uid:gid or name:group.'),
  ports: list(port(), 'a list of ports like [8080, "53/udp"]')
    .superRefine(uniqueBy('port', (p: string) => p))
    .default(() => [])
    .describe('Exposed ports: 8080 or "53/udp" (tcp, udp or sctp; tcp by default).'),
  volumes: list(imagePath(), 'a list of absolute paths')
    .superRefine(uniqueBy('volume', (v: string) => v))
    .default(() => [])
    .describe('Volume mount points (absolute).'),
  labels: stringMap()
    .default(() => ({}))
    .describe('Image config labels.'),
  annotations: stringMap()
    .default(() => ({}))
    .describe('Manifest annotations.'),
  'stop-signal': signal().optional().describe('Signal that stops the container, e.g. "SIGTERM" or "15".'),
  accounts: accounts
    .default(() => ({ preset: 'distroless' as const, users: [], groups: [] }))
    .describe('Users and groups written to /etc/passwd and /etc/group (no shadow files).'),
  files: list(file, 'a list of { src, dest } mappings')
    .default(() => [])
    .describe('Host files copied into the image.'),
  binaries: list(binary, 'a list of host paths or { src, dest } mappings')
    .default(() => [])
    .describe('Executables copied with the shared libraries they need.'),
  paths: list(pathEntry, 'a list of { path, type } mappings')
    .default(() => [])
    .describe('Directories, files and symlinks created in the image.'),
  debian: suiteName()
    .optional()
    .describe(
      'Debian suite to take packages from, e.g. "bookworm": the suite, its -updates and -security, from the host apt mirror. Defaults to bookworm when packages or a preset are given.',
    ),
  repositories: list(repository, 'a list of { url, suites, components?, keyring? } mappings')
    .default(() => [])
    .describe('Explicit apt repositories (instead of the debian: shorthand).'),
  preset: z
    .enum(PRESET_NAMES, {
      error: (iss) => `unknown preset ${JSON.stringify(iss.input)} (valid: ${PRESET_NAMES.join(', ')})`,
    })
    .optional()
    .describe('A distroless flavour to start from: static, base-nossl, base, cc or python3.'),
  variants: list(
    z.enum(VARIANT_NAMES, {
      error: (iss) => `unknown variant ${JSON.stringify(iss.input)} (valid: ${VARIANT_NAMES.join(', ')})`,
    }),
    'a list like [nonroot, debug]',
  )
    .superRefine(uniqueBy('variant', (v: string) => v))
    .default(() => [])
    .describe('Preset variants: nonroot (user 65532, workdir /home/nonroot), debug (busybox shell at /busybox).'),
  packages: list(packageRef(), 'a list of package names like [curl, "libssl3 (>= 3.0)"]')
    .superRefine(uniqueBy('package', (p: string) => p.split(/[\s(=]/)[0]!))
    .default(() => [])
    .describe('Debian packages to install, with their Depends/Pre-Depends closure.'),
  exclude: list(
    z.string({ error: typeError('a package name') }).regex(/^[a-z0-9][a-z0-9+.-]*$/),
    'a list of package names',
  )
    .default(() => [])
    .describe('Packages cut from the dependency closure.'),
  base: z
    .string({ error: typeError('an image reference like "registry.example/app:1.0" or "oci:dir:tag"') })
    .min(1, { error: 'must not be empty' })
    .optional()
    .describe(
      'Base image to build on: a registry reference (pin it with @sha256:...) or oci:DIR[:TAG]; its layers come first and its config is inherited.',
    ),
  compression: compression.default(() => ({ ...DEFAULT_COMPRESSION })),
  trim: z
    .enum(['docs', 'closure', 'none'], {
      error: (iss) => `expected "docs", "closure" or "none", got ${JSON.stringify(iss.input)}`,
    })
    .default('docs')
    .describe(
      'What to drop from packages: docs (default: /usr/share/doc except copyright, man, info, locale, lintian), closure (everything the entrypoint cannot reach) or none.',
    ),
  keep: list(z.string({ error: typeError('a path or glob') }).min(1), 'a list of paths or globs like [/etc/app/**]')
    .default(() => [])
    .describe(
      'With trim: closure, image paths or globs (* within a segment, ** across) kept whatever reaches them; their ELF dependencies come too.',
    ),
};

/** The file as written. */
export const specFileSchema = strict('a mapping', specFields).describe('A pith image spec (pith.yaml).');

/** What a spec file may contain (input side of the schema). */
export type SpecFile = z.input<typeof specFileSchema>;

// ---------------------------------------------------------------------------------------------
// File -> Spec: the only renaming is kebab-case to camelCase.

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type CamelKeys<T> = { [K in keyof T as K extends string ? Camel<K> : K]: T[K] };
type FromFile = CamelKeys<z.output<typeof specFileSchema>>;

function camelKeys<T extends object>(value: T): CamelKeys<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // Optional fields that were left out stay absent rather than `undefined`.
    if (v !== undefined) out[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out as CamelKeys<T>;
}

/** The file as written -> the normalized `Spec`. */
export const specSchema: z.ZodType<Spec, SpecFile> = specFileSchema.transform((file): Spec => camelKeys(file));

// `Spec` (types.ts) and the schema must describe the same thing: the same keys, with types that fit
// both ways. These fail to compile otherwise (a key missing on one side shows up in the error).
type OnlyInFile = Exclude<keyof FromFile, keyof Spec>;
type OnlyInSpec = Exclude<keyof Spec, keyof FromFile>;
const sameKeys: [OnlyInFile, OnlyInSpec] extends [never, never]
  ? true
  : { onlyInFile: OnlyInFile; onlyInSpec: OnlyInSpec } = true;
const toSpec = (v: FromFile): Spec => v;
const fromSpec = (v: Spec): FromFile => v;
void sameKeys;
void toSpec;
void fromSpec;
