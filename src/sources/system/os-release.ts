/** os-release: what the image says it is, for scanners and for people. */
import type { OsIdentity } from '../source.js';

export type { OsIdentity };

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
