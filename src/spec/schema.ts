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
  accountName,
  command,
  created,
  describeValue,
  hostPath,
  id,
  imagePath,
  mode,
  normalizeImagePath,
  notInPasswd,
  port,
  signal,
  stringMap,
  text,
  typeError,
  uniqueBy,
  userRef,
} from './fields.js';
import type { Arch, BinarySpec, RepositorySpec, Spec, UserSpec } from './types.js';
import { COMPRESSION_ALGORITHMS, COMPRESSION_LEVELS, DEFAULT_COMPRESSION, parseCompression, type Compression, type CompressionAlgorithm } from '../image/compression.js';
import { PRESET_NAMES, VARIANT_NAMES } from './types.js';

/** A strict object: unknown keys are errors (reported with a "did you mean" by `issues.ts`). */
function strict<T extends z.core.$ZodLooseShape>(what: string, shape: T) {
  return z.strictObject(shape, { error: typeError(what) });
}

// ---------------------------------------------------------------------------------------------
// Parts

export const ARCHS = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'] as const satisfies readonly Arch[];

/** Names other tools use for the same architectures, for a "did you mean". */
const ARCH_ALIASES: Record<string, Arch> = {
  x86_64: 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  armv7: 'arm',
  armv7l: 'arm',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
  x86: '386',
  ppc64el: 'ppc64le',
  riscv: 'riscv64',
};

const arch = z.enum(ARCHS, {
  error: (iss) => {
    const valid = `valid: ${ARCHS.join(', ')}`;
    if (typeof iss.input !== 'string') return `expected an architecture name (${valid})`;
    const alias = ARCH_ALIASES[iss.input.toLowerCase()];
    const suggestion = alias ? `, did you mean "${alias}"?` : '';
    return `unknown architecture "${iss.input}"${suggestion} (${valid})`;
  },
});

const OWNER_EXAMPLE = '"65532", "65532:65532" or "nonroot:nonroot"';
const owner = () =>
  userRef(OWNER_EXAMPLE).describe(`Owner in the image: a uid, uid:gid, user or user:group, e.g. ${OWNER_EXAMPLE}.`);
const fileMode = () =>
  mode().describe('Permission bits as a quoted octal string, e.g. "0755" or "4755" (setuid).');

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

const user = strict('a mapping with name: and uid:', {
  name: accountName().describe('User name, as in /etc/passwd.'),
  uid: id().describe('User id, 0..2147483647.'),
  gid: id().optional().describe('Primary group id; defaults to the uid.'),
  home: imagePath()
    .refine(...notInPasswd)
    .optional()
    .describe('Home directory; defaults to /home/<name>, or /root for uid 0.'),
  shell: imagePath()
    .refine(...notInPasswd)
    .optional()
    .describe('Login shell; defaults to /sbin/nologin.'),
  gecos: text()
    .refine(...notInPasswd)
    .optional()
    .describe('Comment field (full name); defaults to the name.'),
}).transform(
  (u): UserSpec => ({
    name: u.name,
    uid: u.uid,
    gid: u.gid ?? u.uid,
    home: u.home ?? (u.uid === 0 ? '/root' : `/home/${u.name}`),
    shell: u.shell ?? '/sbin/nologin',
    gecos: u.gecos ?? u.name,
  }),
);

const group = strict('a mapping with name: and gid:', {
  name: accountName().describe('Group name, as in /etc/group.'),
  gid: id().describe('Group id, 0..2147483647.'),
  members: z
    .array(accountName(), { error: typeError('a list of user names') })
    .default(() => [])
    .describe('User names listed as (supplementary) members.'),
});

const accounts = strict('a mapping with preset:, users: and groups:', {
  preset: z
    .enum(['distroless', 'none'], {
      error: (iss) => `expected "distroless" or "none", got ${typeof iss.input === 'string' ? `"${iss.input}"` : describeValue(iss.input)}`,
    })
    .default('distroless')
    .describe('Base accounts: "distroless" (root, nonroot 65532, nobody) or "none".'),
  users: z
    .array(user, { error: typeError('a list of users') })
    .superRefine(uniqueBy('user name', (u: UserSpec) => u.name, ['name']))
    .default(() => [])
    .describe('Users added to /etc/passwd.'),
  groups: z
    .array(group, { error: typeError('a list of groups') })
    .superRefine(uniqueBy('group name', (g: { name: string }) => g.name, ['name']))
    .default(() => [])
    .describe('Groups added to /etc/group.'),
});

const file = strict('a mapping with src: and dest:', {
  src: hostPath().describe('Host path, absolute or relative to the directory of the spec file.'),
  dest: imagePath().describe('Absolute path in the image.'),
  mode: fileMode().optional(),
  owner: owner().optional(),
});

const binary = z
  .union(
    [
      hostPath(),
      strict('a mapping with src: (and dest:)', {
        src: hostPath().describe('Host path of the executable, absolute or relative to the spec file.'),
        dest: imagePath().optional().describe('Absolute path in the image; defaults to src (then src must be absolute).'),
      }),
    ],
    { error: typeError('a host path, or a mapping with src: and dest:') },
  )
  .transform((v, ctx): BinarySpec => {
    const { src, dest } = typeof v === 'string' ? { src: v, dest: undefined } : v;
    if (dest !== undefined) return { src, dest };
    const derived = normalizeImagePath(src);
    if (typeof derived === 'string') return { src, dest: derived };
    ctx.addIssue({
      code: 'custom',
      message:
        typeof v === 'string'
          ? `"${src}" is not an absolute path, so it cannot also be the image path (write src: and dest:)`
          : `required when src is not an absolute path (where in the image should "${src}" go?)`,
      path: typeof v === 'string' ? [] : ['dest'],
      input: v,
    });
    return z.NEVER;
  })
  .describe(
    'An executable copied with its shared-library closure: a host path, or { src, dest }. dest defaults to src.',
  );

const PATH_TYPES = '"dir", "file" or "symlink"';
const pathEntry = z
  .discriminatedUnion(
    'type',
    [
      strict('a mapping with path: and type:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('dir').describe('A directory.'),
        mode: fileMode().optional(),
        owner: owner().optional(),
      }),
      strict('a mapping with path:, type: and content:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('file').describe('A regular file with the given content.'),
        content: z
          .string({
            error: typeError('a string', (input) =>
              input === undefined ? 'required for type: file (the text to write)' : undefined,
            ),
          })
          .describe('The file content (UTF-8 text).'),
        mode: fileMode().optional(),
        owner: owner().optional(),
      }),
      strict('a mapping with path:, type: and target:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('symlink').describe('A symbolic link.'),
        target: z
          .string({
            error: typeError('a string', (input) =>
              input === undefined ? 'required for type: symlink (where the link points)' : undefined,
            ),
          })
          .min(1, { error: 'must not be empty' })
          // A link target is a C string of at most PATH_MAX bytes: no NUL, and a tar can hold it.
          .regex(/^[^\0]*$/, { error: 'must not contain NUL bytes' })
          .max(4095, { error: 'must be at most 4095 characters (PATH_MAX)' })
          .describe('What the link points to, as stored in the link (absolute or relative).'),
        owner: owner().optional(),
      }),
    ],
    {
      error: (iss) => {
        if (iss.code !== 'invalid_union') return typeError('a mapping with path: and type:')(iss);
        const type = isRecord(iss.input) ? iss.input['type'] : undefined;
        return type === undefined
          ? `required: one of ${PATH_TYPES}`
          : `expected ${PATH_TYPES}, got ${JSON.stringify(type)}`;
      },
    },
  )
  .describe('A directory, file or symlink created in the image.');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: typeError(what) });

const SUITE = /^[a-z0-9][a-z0-9.+-]*$/;
const suiteName = () =>
  z
    .string({ error: typeError('a suite name like "bookworm"') })
    .regex(SUITE, { error: (iss) => `expected a Debian suite name like "bookworm" or "trixie", got "${String(iss.input)}"` });

const repository = strict('a mapping with url: and suites:', {
  url: z
    .string({ error: typeError('a URL') })
    .regex(/^(https?|file):\/\/\S+$/, { error: (iss) => `expected an http://, https:// or file:// URL, got "${String(iss.input)}"` })
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
    .describe("OpenPGP keyring that signs the InRelease files (binary or armored); defaults to Debian's archive keyring."),
}).transform((r): RepositorySpec => ({ url: r.url, suites: r.suites, components: r.components, ...(r.keyring ? { keyring: r.keyring } : {}) }));

const ALGORITHMS = COMPRESSION_ALGORITHMS.map((a) => `${a} (levels ${COMPRESSION_LEVELS[a].min}..${COMPRESSION_LEVELS[a].max}, default ${COMPRESSION_LEVELS[a].default})`).join(', ');
const compression = z
  .union(
    [
      z.string().regex(/^(gzip|zstd)(:\d+)?$/, { error: (iss) => `expected gzip or zstd, optionally with a level like zstd:19, got "${String(iss.input)}"` }).transform((text, ctx): Compression => {
        const parsed = parseCompression(text);
        if (typeof parsed !== 'string') return parsed;
        ctx.addIssue({ code: 'custom', message: parsed, input: text });
        return z.NEVER;
      }),
      strict('a mapping with algorithm: (and level:)', {
        algorithm: z.enum(COMPRESSION_ALGORITHMS, { error: (iss) => `expected gzip or zstd, got ${JSON.stringify(iss.input)}` }),
        level: z.number({ error: typeError('a whole number') }).int({ error: 'must be a whole number' }).optional(),
      }).superRefine((c, ctx) => {
        const { min, max } = COMPRESSION_LEVELS[c.algorithm as CompressionAlgorithm];
        if (c.level !== undefined && (c.level < min || c.level > max)) {
          ctx.addIssue({ code: 'custom', message: `${c.algorithm} levels are ${min}..${max}, got ${c.level}`, path: ['level'], input: c.level });
        }
      }).transform((c): Compression => ({ algorithm: c.algorithm, level: c.level ?? COMPRESSION_LEVELS[c.algorithm].default })),
    ],
    { error: typeError('gzip, zstd, "zstd:19" or a mapping with algorithm: and level:') },
  )
  .describe(`Layer compression: ${ALGORITHMS}; "zstd", "zstd:19" or { algorithm, level }. Part of every layer digest.`);

const PACKAGE_REF = /^[a-z0-9][a-z0-9+.-]*(\s*(\(\s*(<<|<=|=|>=|>>)\s*[A-Za-z0-9.+~:-]+\s*\)|=[A-Za-z0-9.+~:-]+))?$/;
const packageRef = () =>
  z
    .string({ error: typeError('a package name like "curl" or "curl (>= 7.88)"') })
    .transform((s) => s.trim())
    .refine((s) => PACKAGE_REF.test(s), {
      error: (iss) => `expected a package name with an optional version, like "curl", "curl (>= 7.88)" or "curl=7.88.1-10", got "${String(iss.input)}"`,
    });

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
    .string({ error: typeError('a tag like "1.0"', (input) => (typeof input === 'number' ? 'expected a string, got a number (quote it, e.g. "1.0")' : undefined)) })
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
    .describe('Creation time: an RFC 3339 string like "2024-01-01T00:00:00Z" or unix seconds; defaults to $SOURCE_DATE_EPOCH, else 0.'),
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
  labels: stringMap().default(() => ({})).describe('Image config labels.'),
  annotations: stringMap().default(() => ({})).describe('Manifest annotations.'),
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
    .describe('Debian suite to take packages from, e.g. "bookworm": the suite, its -updates and -security, from the host apt mirror. Defaults to bookworm when packages or a preset are given.'),
  repositories: list(repository, 'a list of { url, suites, components?, keyring? } mappings')
    .default(() => [])
    .describe('Explicit apt repositories (instead of the debian: shorthand).'),
  preset: z
    .enum(PRESET_NAMES, { error: (iss) => `unknown preset ${JSON.stringify(iss.input)} (valid: ${PRESET_NAMES.join(', ')})` })
    .optional()
    .describe('A distroless flavour to start from: static, base-nossl, base, cc or python3.'),
  variants: list(z.enum(VARIANT_NAMES, { error: (iss) => `unknown variant ${JSON.stringify(iss.input)} (valid: ${VARIANT_NAMES.join(', ')})` }), 'a list like [nonroot, debug]')
    .superRefine(uniqueBy('variant', (v: string) => v))
    .default(() => [])
    .describe('Preset variants: nonroot (user 65532, workdir /home/nonroot), debug (busybox shell at /busybox).'),
  packages: list(packageRef(), 'a list of package names like [curl, "libssl3 (>= 3.0)"]')
    .superRefine(uniqueBy('package', (p: string) => p.split(/[\s(=]/)[0]!))
    .default(() => [])
    .describe('Debian packages to install, with their Depends/Pre-Depends closure.'),
  exclude: list(z.string({ error: typeError('a package name') }).regex(/^[a-z0-9][a-z0-9+.-]*$/), 'a list of package names')
    .default(() => [])
    .describe('Packages cut from the dependency closure.'),
  base: z
    .string({ error: typeError('an image reference like "registry.example/app:1.0" or "oci:dir:tag"') })
    .min(1, { error: 'must not be empty' })
    .optional()
    .describe('Base image to build on: a registry reference (pin it with @sha256:...) or oci:DIR[:TAG]; its layers come first and its config is inherited.'),
  compression: compression.default(() => ({ ...DEFAULT_COMPRESSION })),
  trim: z
    .enum(['docs', 'closure', 'none'], { error: (iss) => `expected "docs", "closure" or "none", got ${JSON.stringify(iss.input)}` })
    .default('docs')
    .describe('What to drop from packages: docs (default: /usr/share/doc except copyright, man, info, locale, lintian), closure (everything the entrypoint cannot reach) or none.'),
  keep: list(z.string({ error: typeError('a path or glob') }).min(1), 'a list of paths or globs like [/etc/app/**]')
    .default(() => [])
    .describe('With trim: closure, image paths or globs (* within a segment, ** across) kept whatever reaches them; their ELF dependencies come too.'),
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
const sameKeys: [OnlyInFile, OnlyInSpec] extends [never, never] ? true : { onlyInFile: OnlyInFile; onlyInSpec: OnlyInSpec } = true;
const toSpec = (v: FromFile): Spec => v;
const fromSpec = (v: Spec): FromFile => v;
void sameKeys;
void toSpec;
void fromSpec;
