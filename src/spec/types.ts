import type { Compression } from '../image/compression.js';
/**
 * The normalized spec: what the rest of pith consumes. Produced only by `src/spec/schema.ts` from the
 * file as written (defaults applied, paths normalized, modes parsed, ports and commands normalized).
 */

export type Arch = 'amd64' | 'arm64' | 'arm' | '386' | 'ppc64le' | 's390x' | 'riscv64';

export interface UserSpec {
  name: string;
  uid: number;
  /** Defaults to `uid`. */
  gid: number;
  /** Defaults to `/home/<name>`, or `/root` for uid 0. */
  home: string;
  /** Defaults to `/sbin/nologin`. */
  shell: string;
  /** Defaults to `name`. */
  gecos: string;
}

export interface GroupSpec {
  name: string;
  gid: number;
  members: string[];
}

export interface AccountsSpec {
  /** Defaults to `distroless`. */
  preset: 'distroless' | 'none';
  users: UserSpec[];
  groups: GroupSpec[];
}

export interface FileSpec {
  /** Host path as written: absolute, or relative to the spec's directory (`LoadedSpec.dir`). */
  src: string;
  /** Absolute, normalized image path. */
  dest: string;
  mode?: number;
  owner?: string;
}

export interface BinarySpec {
  /** Host path as written: absolute, or relative to the spec's directory (`LoadedSpec.dir`). */
  src: string;
  /** Absolute, normalized image path; defaults to `src` (which must then be absolute). */
  dest: string;
}

export type PathSpec =
  | { path: string; type: 'dir'; mode?: number; owner?: string }
  | { path: string; type: 'file'; content: string; mode?: number; owner?: string }
  | { path: string; type: 'symlink'; target: string; owner?: string };

export interface Spec {
  name: string;
  /** Defaults to `latest`. */
  tag: string;
  /** `undefined` means the host architecture, resolved later. */
  archs?: Arch[];
  /** Unix seconds; written as an RFC 3339 string or an integer. */
  created?: number;
  /** A plain string in the file is split like a POSIX shell would (quotes and backslashes). */
  entrypoint?: string[];
  cmd?: string[];
  env: Record<string, string>;
  workdir?: string;
  /** A name, uid, `uid:gid` or `name:group`. */
  user?: string;
  /** Normalized `8080/tcp`. */
  ports: string[];
  volumes: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Key `stop-signal` in the file. */
  stopSignal?: string;
  accounts: AccountsSpec;
  files: FileSpec[];
  binaries: BinarySpec[];
  paths: PathSpec[];
  /** Debian suite shorthand (`debian: bookworm`). */
  debian?: string;
  repositories: RepositorySpec[];
  preset?: PresetName;
  variants: VariantName[];
  /** Package requirements as written: `curl`, `curl (>= 7.88)`, `curl=7.88.1-10`. */
  packages: string[];
  exclude: string[];
  /** Layer compression (algorithm and level): part of every layer digest. */
  compression: Compression;
  trim: 'docs' | 'closure' | 'none';
  /** With trim: closure, paths or globs always kept. */
  keep: string[];
  /** A base image: a registry reference, or `oci:DIR[:TAG]` (DIR relative to the spec file). */
  base?: string;
}

export interface RepositorySpec {
  /** Archive root without a trailing slash. */
  url: string;
  suites: string[];
  components: string[];
  /** Host path of the keyring, as written (relative to the spec file). */
  keyring?: string;
}

export const PRESET_NAMES = ['static', 'base-nossl', 'base', 'cc', 'python3', 'java17', 'java21', 'nodejs'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export const VARIANT_NAMES = ['nonroot', 'debug'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];
