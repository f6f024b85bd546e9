/**
 * The CA bundle as update-ca-certificates leaves it once everything is installed. The package
 * layer of ca-certificates carries the bundle of its own certificates (that layer depends only on
 * its .deb); when the image holds other certificates (a spec's CA under
 * /usr/local/share/ca-certificates or /usr/share/ca-certificates, another package's) the bundle
 * is written again, with them, as an install effect of ca-certificates (a base image's own
 * certificates are in its bundle already). (In `trim: closure` the
 * whole tree's bundle is made after the spec's files anyway.)
 */
import { bundleCertificates, caBundleEntry, CA_BUNDLE_PATH } from '../install/ca-bundle.js';
import type { EffectWorkspace } from './workspace.js';

export function applyCaBundle(ws: EffectWorkspace): void {
  if (!ws.tree.get('var/lib/dpkg/status.d/ca-certificates')) return;
  const { trusted } = bundleCertificates(ws.tree);
  // A base image's certificates are in the base's bundle already, ca-certificates' own in its layer's.
  const foreign = trusted.filter(
    (c) =>
      c.entry.origin.kind !== 'base' &&
      !(c.entry.origin.kind === 'package' && c.entry.origin.package === 'ca-certificates'),
  );
  if (foreign.length === 0) return;
  const bundle = caBundleEntry(ws.tree);
  if (!bundle) return;
  const entry = ws.tree.get(bundle.path)!;
  const { path, origin: _origin, ...rest } = entry;
  ws.put(
    `/${path}`,
    rest,
    'ca-certificates',
    `update-ca-certificates: ${bundle.certificates.length} certificates, ${foreign.length} not from the package`,
  );
  const named = foreign
    .slice(0, 3)
    .map((c) => `/${c.path}`)
    .join(', ');
  ws.notes.push(
    `ca-certificates: /${CA_BUNDLE_PATH} with ${named}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}`,
  );
}
