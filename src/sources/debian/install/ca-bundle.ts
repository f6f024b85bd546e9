/**
 * The CA bundle ca-certificates' postinst would write (update-ca-certificates), emulated since no
 * maintainer script runs: `/etc/ssl/certs/ca-certificates.crt`, 0644, every
 * `usr/share/ca-certificates/**.crt` in the tree concatenated in sorted path order, each followed
 * by a newline if it lacks one (update-ca-certificates appends with `sed -e '$a\'`, #635570).
 * Like distroless: no hash links, no per-certificate .pem links.
 *
 * Unlike distroless (its issue #753), distrust is honoured: a `!mozilla/X.crt` line in an
 * /etc/ca-certificates.conf present in the tree (the package does not ship one; a user file
 * can) leaves that certificate out. Plain lines are not required: every certificate the package
 * ships is trusted unless distrusted, which is what a freshly installed system's generated conf
 * says (it lists them all, sorted, so the order is the same too).
 *
 * As update-ca-certificates does, the bundle continues with the local certificates,
 * `usr/local/share/ca-certificates/**.crt` in sorted path order (a spec adds its own CA there).
 *
 * Checked against the real update-ca-certificates (test/unit/packages/ca-bundle.test.ts) and a
 * real system's bundle: byte for byte identical, except that an upgraded system's conf lists
 * certificates added by later versions at its end, not in sorted order.
 */
import { fileBytesSync } from '../../../tree/file-bytes.js';
import type { FileEntry, Origin, TreeEntry } from '../../../tree/entry.js';
import type { FsTree } from '../../../tree/fs-tree.js';

export const CA_BUNDLE_PATH = 'etc/ssl/certs/ca-certificates.crt';
export const CA_CERTS_DIR = 'usr/share/ca-certificates';
export const LOCAL_CA_CERTS_DIR = 'usr/local/share/ca-certificates';
export const CA_CONF_PATH = 'etc/ca-certificates.conf';

export const CA_BUNDLE_ORIGIN: Origin = {
  kind: 'package',
  package: 'ca-certificates',
  detail: 'CA bundle (update-ca-certificates emulated)',
};

export interface CaBundleResult {
  path: string;
  /** Image paths of the certificates in the bundle, in bundle order. */
  certificates: string[];
  /** Image paths left out by `!` lines of /etc/ca-certificates.conf. */
  distrusted: string[];
  size: number;
}

const NEWLINE = 0x0a;

/**
 * Writes the bundle into the tree when it holds any `usr/share/ca-certificates/**.crt`; returns
 * null (and writes nothing) when it holds none. Call it after every package and user file that
 * could add certificates or an /etc/ca-certificates.conf is in the tree.
 */
export function caBundleEntry(tree: FsTree): CaBundleResult | null {
  const { trusted, distrusted } = bundleCertificates(tree);
  const certificates = trusted.map((c) => c.path);
  const parts: Uint8Array[] = [];
  for (const { data } of trusted) {
    parts.push(data);
    if (data.byteLength > 0 && data[data.byteLength - 1] !== NEWLINE) parts.push(Uint8Array.of(NEWLINE));
  }
  if (certificates.length === 0 && distrusted.length === 0) return null;

  const bundle = Buffer.concat(parts);
  const data = new Uint8Array(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const entry: Omit<FileEntry, 'path'> = {
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    origin: CA_BUNDLE_ORIGIN,
    size: data.byteLength,
    source: { kind: 'bytes', data },
  };
  const path = tree.add(CA_BUNDLE_PATH, entry);
  return { path, certificates, distrusted, size: data.byteLength };
}

/**
 * The certificates update-ca-certificates would take, in bundle order: every
 * `usr/share/ca-certificates/**.crt` regular file (links followed) not distrusted by a `!` line.
 * The Java trust store (effects/java-trust-store.ts) is made from the same list.
 */
export function bundleCertificates(tree: FsTree): {
  trusted: Array<{ path: string; data: Uint8Array; entry: TreeEntry }>;
  distrusted: string[];
} {
  const distrust = distrustedPaths(tree);
  const trusted: Array<{ path: string; data: Uint8Array; entry: TreeEntry }> = [];
  const distrusted: string[] = [];
  // The package's certificates (sorted, as the generated conf lists them), then the local ones.
  for (const dir of [CA_CERTS_DIR, LOCAL_CA_CERTS_DIR]) {
    const prefix = `${dir}/`;
    for (const entry of tree.list()) {
      if (!entry.path.startsWith(prefix) || !entry.path.endsWith('.crt')) continue;
      const data = fileBytes(tree, entry);
      if (data === null) continue; // a directory named *.crt, or a dangling link: `test -f` fails too
      if (distrust.has(entry.path)) distrusted.push(entry.path);
      else trusted.push({ path: entry.path, data, entry });
    }
  }
  return { trusted, distrusted };
}

/** `!name` lines of the tree's /etc/ca-certificates.conf, as image paths under usr/share/ca-certificates. */
function distrustedPaths(tree: FsTree): Set<string> {
  const out = new Set<string>();
  const conf = tree.get(CA_CONF_PATH);
  if (conf === undefined) return out;
  const data = fileBytes(tree, conf);
  if (data === null) return out;
  for (const raw of Buffer.from(data).toString('utf8').split('\n')) {
    // update-ca-certificates: sed 's/^!//p' | while read crt  (read trims surrounding blanks)
    if (!raw.startsWith('!')) continue;
    const name = raw.slice(1).trim();
    if (name !== '') out.add(`${CA_CERTS_DIR}/${name.replace(/^\/+/, '')}`);
  }
  return out;
}

/** A regular file's bytes, following symlinks and hard links in the tree; null for anything else. */
function fileBytes(tree: FsTree, entry: TreeEntry, hops = 0): Uint8Array | null {
  if (hops > 40) return null;
  switch (entry.type) {
    case 'file':
      return fileBytesSync(entry);
    case 'hardlink': {
      const target = tree.get(entry.target);
      return target === undefined ? null : fileBytes(tree, target, hops + 1);
    }
    case 'symlink': {
      const resolved = tree.resolve(entry.path);
      const target = resolved === null ? undefined : tree.get(resolved);
      return target === undefined ? null : fileBytes(tree, target, hops + 1);
    }
    case 'dir':
      return null;
  }
}
