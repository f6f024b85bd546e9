/**
 * What the SBOM says of a Debian package: the licence its copyright file declares and, when the
 * image is trimmed, the files of it that are present. Remembered per .deb and trim setting
 * (`<cache>/sbom/`), so a warm build, which reads no .deb, still knows them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { licenseFromCopyright } from '../../sbom/license.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { readSpooledSync } from '../../store/spool.js';
import type { FileEntry } from '../../tree/entry.js';
import { fileBytesSync } from '../../tree/file-bytes.js';
import type { FsTree } from '../../tree/fs-tree.js';
import type { PartFacts } from '../source.js';
import type { DebContents } from './deb/deb-reader.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Facts of a package from its .deb and the tree it was installed into (so the file list is what the image holds). */
export function packageFacts(name: string, deb: DebContents, tree: FsTree, trimmed: boolean): PartFacts {
  const copyright = deb.files.find((f) => f.path === `usr/share/doc/${name}/copyright` && f.type === 'file');
  const text =
    copyright?.data ?? (copyright?.spooled ? readSpooledSync(copyright.spooled, copyright.spooled.size) : undefined);
  const license = text ? licenseFromCopyright(new TextDecoder().decode(text)) : undefined;
  const facts: PartFacts = license ? { license } : {};
  if (trimmed) {
    facts.files = tree
      .list()
      .filter(
        (e): e is FileEntry =>
          e.type === 'file' && e.origin.kind === 'package' && e.origin.package === name && e.source.kind !== 'host',
      )
      .map((e) => ({ path: e.path, sha256: e.source.kind === 'spool' ? e.source.sha256 : sha256(fileBytesSync(e)) }));
  }
  return facts;
}

const factsPath = (cacheDir: string, debSha256: string, trimDocs: boolean) =>
  join(cacheDir, 'sbom', `${debSha256}-${trimDocs ? 'docs' : 'none'}.json`);

export async function rememberFacts(
  cacheDir: string,
  debSha256: string,
  trimDocs: boolean,
  facts: PartFacts,
): Promise<void> {
  await writeFileAtomic(factsPath(cacheDir, debSha256, trimDocs), JSON.stringify(facts));
}

export async function recallFacts(
  cacheDir: string,
  debSha256: string,
  trimDocs: boolean,
): Promise<PartFacts | undefined> {
  try {
    const facts = JSON.parse(await readFile(factsPath(cacheDir, debSha256, trimDocs), 'utf8')) as PartFacts;
    return typeof facts === 'object' && facts !== null ? facts : undefined;
  } catch {
    return undefined;
  }
}
