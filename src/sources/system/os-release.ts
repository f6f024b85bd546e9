/** What the image says it is. Debian-based images say ID=debian so scanners detect the OS. */
export interface OsIdentity {
  prettyName: string;
  name: string;
  id: string;
  versionId?: string;
  version?: string;
  versionCodename?: string;
  homeUrl?: string;
}

/** An image with no distribution packages (host files and binaries only). */
export const PITH_IDENTITY: OsIdentity = {
  prettyName: 'Distroless (pith)',
  name: 'pith',
  id: 'pith',
};

export function osReleaseFile(os: OsIdentity): string {
  const lines = [`PRETTY_NAME="${os.prettyName}"`, `NAME="${os.name}"`, `ID=${os.id}`];
  if (os.versionId) lines.push(`VERSION_ID="${os.versionId}"`);
  if (os.version) lines.push(`VERSION="${os.version}"`);
  if (os.versionCodename) lines.push(`VERSION_CODENAME=${os.versionCodename}`);
  if (os.homeUrl) lines.push(`HOME_URL="${os.homeUrl}"`);
  return lines.join('\n') + '\n';
}

const DEBIAN_VERSIONS: Record<string, string> = { buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14', duke: '15' };

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
