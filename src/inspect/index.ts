/** Reading images back: inspect, diff, audit. */
export { openImage, parsePlatform, type OpenedImage, type OpenOptions } from './open.js';
export { walkLayer, mergeLayers, normalizePath, type LayerEntry, type WalkedLayer, type EntryType } from './walk.js';
export {
  readPackages,
  ownership,
  md5sumsPaths,
  parseParagraphs,
  isMetadataPath,
  type InstalledPackage,
} from './packages.js';
export {
  analyzeImage,
  formatInspect,
  formatSize,
  parseOsRelease,
  type AnalyzedImage,
  type ImageReport,
  type LayerReport,
  type PackageReport,
} from './analyze.js';
export { diffImages, formatDiff, type ImageDiff, type LayerDelta } from './diff.js';
export {
  auditImage,
  formatAudit,
  parseDeny,
  isRootUser,
  DENY_RULES,
  type AuditReport,
  type DenyRule,
} from './audit.js';

import { analyzeImage, type AnalyzedImage } from './analyze.js';
import { openImage, type OpenOptions } from './open.js';

/** Opens, reads and closes one image. */
export async function loadImage(ref: string, options: OpenOptions): Promise<AnalyzedImage> {
  const opened = await openImage(ref, options);
  try {
    return await analyzeImage(opened);
  } finally {
    await opened.close();
  }
}
