/**
 * Everything `pith inspect`, `diff` and `audit` say about one image: its config, its layers and
 * what is in each, its merged filesystem, its Debian packages and its os-release.
 */
import { formatSize } from './format-size.js';
import { compareBytes } from '../byte-order.js';
import { formatPlatform } from '../registry-client/manifest.js';
import { layerPath } from '../image/layer.js';
import type { OpenedImage } from './open.js';
import { type InstalledPackage, isMetadataPath, ownership, readPackages } from './packages.js';
import { type LayerEntry, mergeLayers, walkLayer, type WalkedLayer } from './walk.js';

export interface LayerReport {
  /** 1-based position in the manifest. */
  position: number;
  digest: string;
  mediaType: string;
  compressedSize: number;
  uncompressedSize: number;
  /** Tar entries, whiteouts excluded. */
  entries: number;
  /** Packages with at least one file (or their status entry) in this layer. */
  packages: string[];
  /** Non-directory entries no package claims. */
  otherFiles: number;
}

export interface PackageReport {
  name: string;
  version: string;
  architecture: string;
  source: string;
  /** 1-based layer position of its status entry. */
  layer: number;
  files: number;
  size: number;
}

export interface FileSummary {
  path: string;
  size: number;
  layer: number;
}

export interface ImageReport {
  source: string;
  platform: string;
  manifestDigest: string | null;
  configDigest: string;
  config: {
    entrypoint: string[] | null;
    cmd: string[] | null;
    user: string;
    env: string[];
    workdir: string;
    ports: string[];
    created: string | null;
    labels: Record<string, string>;
  };
  annotations: Record<string, string>;
  os: { id: string | null; versionId: string | null; prettyName: string | null };
  layers: LayerReport[];
  totals: { entries: number; files: number; size: number; compressedSize: number; uncompressedSize: number };
  largestFiles: FileSummary[];
  packages: PackageReport[];
}

export interface AnalyzedImage {
  report: ImageReport;
  /** The merged filesystem, path -> entry (layer is 0-based there). */
  fs: Map<string, LayerEntry>;
  packages: InstalledPackage[];
  walked: WalkedLayer[];
}

/** KEY=value lines of an os-release file, unquoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))
      v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

function osRelease(fs: Map<string, LayerEntry>): Record<string, string> {
  for (const p of ['etc/os-release', 'usr/lib/os-release']) {
    const e = fs.get(p);
    if (e?.type === 'file' && e.data) return parseOsRelease(e.data.toString('utf8'));
  }
  return {};
}

/** One report per layer: what it holds and which packages own it. */
function layerReports(image: OpenedImage, walked: WalkedLayer[], owner: Map<string, string>): LayerReport[] {
  return walked.map((w, i) => {
    const names = new Set<string>();
    let other = 0;
    for (const e of w.entries) {
      const o = owner.get(e.path);
      if (o) names.add(o);
      else if (e.type !== 'dir') other++;
    }
    const l = image.layers[i]!;
    return {
      position: i + 1,
      digest: l.digest,
      mediaType: l.mediaType,
      compressedSize: l.size,
      uncompressedSize: w.uncompressedSize,
      entries: w.entries.length,
      packages: [...names].sort(),
      otherFiles: other,
    };
  });
}

function configReport(image: OpenedImage): ImageReport['config'] {
  const c = image.config.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? null,
    cmd: c.Cmd ?? null,
    user: c.User ?? '',
    env: c.Env ?? [],
    workdir: c.WorkingDir ?? '',
    ports: Object.keys(c.ExposedPorts ?? {}).sort(),
    created: image.config.created ?? null,
    labels: c.Labels ?? {},
  };
}

function packageReports(packages: InstalledPackage[]): PackageReport[] {
  return packages.map((p) => ({
    name: p.name,
    version: p.version,
    architecture: p.architecture,
    source: p.source,
    layer: p.layer + 1,
    files: p.files.length,
    size: p.size,
  }));
}

export async function analyzeImage(image: OpenedImage): Promise<AnalyzedImage> {
  const walked = await Promise.all(image.layers.map((l, i) => walkLayer(layerPath(l), i, isMetadataPath)));
  const fs = mergeLayers(walked);
  const packages = readPackages(fs);
  const layers = layerReports(image, walked, ownership(packages));
  const files = [...fs.values()].filter((e) => e.type === 'file');
  const largestFiles = [...files]
    .sort((a, b) => b.size - a.size || compareBytes(a.path, b.path))
    .slice(0, 10)
    .map((e) => ({ path: `/${e.path}`, size: e.size, layer: e.layer + 1 }));
  const os = osRelease(fs);
  const report: ImageReport = {
    source: image.source,
    platform: formatPlatform(image.platform),
    manifestDigest: image.synthesized ? null : image.digest,
    configDigest: image.manifest.config.digest,
    config: configReport(image),
    annotations: { ...image.root.annotations, ...image.manifest.annotations },
    os: { id: os['ID'] ?? null, versionId: os['VERSION_ID'] ?? null, prettyName: os['PRETTY_NAME'] ?? null },
    layers,
    totals: {
      entries: fs.size,
      files: files.length,
      size: files.reduce((n, e) => n + e.size, 0),
      compressedSize: layers.reduce((n, l) => n + l.compressedSize, 0),
      uncompressedSize: layers.reduce((n, l) => n + l.uncompressedSize, 0),
    },
    largestFiles,
    packages: packageReports(packages),
  };
  return { report, fs, packages, walked };
}

export { formatSize } from './format-size.js';

const list = (v: string[] | null) => (v === null ? '(none)' : JSON.stringify(v));

/** The human-readable `pith inspect`. */
export function formatInspect(r: ImageReport): string {
  const out: string[] = [];
  out.push(`image:      ${r.source}`);
  out.push(`platform:   ${r.platform}`);
  if (r.manifestDigest) out.push(`manifest:   ${r.manifestDigest}`);
  out.push(`config:     ${r.configDigest}`);
  if (r.os.id)
    out.push(
      `os:         ${r.os.id}${r.os.versionId ? ` ${r.os.versionId}` : ''}${r.os.prettyName ? ` (${r.os.prettyName})` : ''}`,
    );
  out.push(`created:    ${r.config.created ?? '(none)'}`);
  out.push(`entrypoint: ${list(r.config.entrypoint)}`);
  out.push(`cmd:        ${list(r.config.cmd)}`);
  out.push(`user:       ${r.config.user || '(none: root)'}`);
  out.push(`workdir:    ${r.config.workdir || '(none)'}`);
  if (r.config.ports.length) out.push(`ports:      ${r.config.ports.join(', ')}`);
  out.push('env:');
  for (const e of r.config.env) out.push(`  ${e}`);
  const notes = { ...r.config.labels, ...r.annotations };
  if (Object.keys(notes).length) {
    out.push('labels and annotations:');
    for (const [k, v] of Object.entries(notes).sort()) out.push(`  ${k}=${v}`);
  }
  out.push(`layers: ${r.layers.length}`);
  for (const l of r.layers) {
    const what =
      [...l.packages, ...(l.otherFiles ? [`${l.otherFiles} other file(s)`] : [])].join(', ') || '(directories only)';
    out.push(
      `  ${l.position}. ${l.digest}  ${formatSize(l.compressedSize)} (${formatSize(l.uncompressedSize)} uncompressed), ${l.entries} entries: ${what}`,
    );
  }
  out.push(`files: ${r.totals.files} (${formatSize(r.totals.size)}), ${r.totals.entries} entries in all`);
  out.push('largest files:');
  for (const f of r.largestFiles) out.push(`  ${formatSize(f.size).padStart(10)}  ${f.path}  (layer ${f.layer})`);
  out.push(`packages: ${r.packages.length}`);
  for (const p of r.packages) out.push(`  ${p.name} ${p.version}`);
  return `${out.join('\n')}\n`;
}
