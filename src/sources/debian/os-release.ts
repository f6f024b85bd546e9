/** What a Debian-based image says it is (os-release, the SBOM's distribution). */
import type { OsIdentity } from '../source.js';

const DEBIAN_VERSIONS: Record<string, string> = {
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
};

/** A Debian-based image without base-files still says ID=debian and VERSION_ID, for scanners. */
export function debianIdentity(codename: string): OsIdentity {
  const versionId = DEBIAN_VERSIONS[codename];
  return {
    prettyName: 'Distroless',
    name: 'Debian GNU/Linux',
    id: 'debian',
    ...(versionId ? { versionId, version: `Debian GNU/Linux ${versionId} (${codename})` } : {}),
    versionCodename: codename,
    homeUrl: 'https://www.debian.org/',
  };
}
