/**
 * Java's trust store, as ca-certificates-java's postinst (triggered by every JRE) leaves it:
 * /etc/ssl/certs/java/cacerts, a JKS store (jks.ts) with every certificate the CA bundle has
 * (the same list, so certificates a spec adds under /usr/share/ca-certificates are in both), each
 * under Debian's alias `debian:<name>.pem` (the /etc/ssl/certs link update-ca-certificates would
 * make, lower-cased as JKS does). Made when ca-certificates-java is installed or a JRE links its
 * lib/security/cacerts there; the spec's own file at that path wins.
 */
import { bundleCertificates } from '../install/ca-bundle.js';
import { firstPemCertificate, jksTrustStore, type TrustedCertificate } from './jks.js';
import type { EffectWorkspace } from './workspace.js';

export const JAVA_CACERTS = 'etc/ssl/certs/java/cacerts';
const SPEC_KINDS = new Set(['file', 'path', 'binary', 'library']);

export function applyJavaTrustStore(ws: EffectWorkspace, createdSeconds: number): void {
  const owner = javaStoreOwner(ws);
  if (!owner) return;
  const existing = ws.tree.get(JAVA_CACERTS);
  if (existing && SPEC_KINDS.has(existing.origin.kind)) return;
  const { trusted } = bundleCertificates(ws.tree);
  const certificates: TrustedCertificate[] = [];
  const aliases = new Set<string>();
  for (const { path, data } of trusted) {
    const der = firstPemCertificate(new TextDecoder().decode(data));
    if (!der) {
      ws.notes.push(`${owner}: /${path} holds no PEM certificate: not in the Java trust store`);
      continue;
    }
    const alias = `debian:${pemName(path)}`.toLowerCase();
    if (aliases.has(alias)) continue;
    aliases.add(alias);
    certificates.push({ alias, der });
  }
  if (certificates.length === 0) {
    ws.notes.push(`${owner}: no CA certificates in the image: no Java trust store written`);
    return;
  }
  ws.mkdir('/etc/ssl/certs/java', owner, 'Java trust store', { parents: true });
  ws.writeFile(
    `/${JAVA_CACERTS}`,
    jksTrustStore(certificates, createdSeconds * 1000),
    owner,
    `Java trust store: ${certificates.length} certificates`,
    { mode: 0o644, uid: 0, gid: 0 },
  );
  ws.notes.push(`${owner}: Java trust store /${JAVA_CACERTS} with ${certificates.length} certificates`);
}

/** ca-certificates-java when installed, else the package of a JRE whose cacerts links to the store. */
function javaStoreOwner(ws: EffectWorkspace): string | undefined {
  if (ws.tree.get('var/lib/dpkg/status.d/ca-certificates-java')) return 'ca-certificates-java';
  const owners = [...ws.tree.unordered()]
    .filter((e) => e.type === 'symlink' && e.target === `/${JAVA_CACERTS}` && e.origin.package)
    .map((e) => e.origin.package!);
  return owners.sort()[0];
}

/** The name update-ca-certificates gives a certificate's /etc/ssl/certs link. */
function pemName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.crt$/, '');
  return `${base.replace(/ /g, '_').replace(/[()]/g, '=').replace(/,/g, '_')}.pem`;
}
