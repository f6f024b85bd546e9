/**
 * One entry for reading any image: `openImage(ref)` picks the medium from the reference, as
 * skopeo names them: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:TAG]`,
 * `docker://REF` or a bare registry reference; a bare path is a layout (a directory) or an archive
 * (a file). Every medium gives the same OpenedImage. The registry client loads only for a registry.
 */
import { resolve } from 'node:path';
import { PithError, usageError } from '../errors.js';
import { openArchive, openArchiveSet, pathKind, splitTag } from './archive.js';
import { openLayout, parseLayoutArg, readOciLayout } from './oci-layout.js';
import type { OpenedImage, OpenedImageSet, OpenImageOptions } from './types.js';

export interface OpenOptions extends OpenImageOptions {
  /**
   * false: a reference without a prefix is a registry's, never a path (a spec's `base: debian`
   * must not open a directory that happens to be called so). Default true.
   */
  localPaths?: boolean;
}

const looksLikePath = (arg: string) =>
  arg.startsWith('/') ||
  arg.startsWith('./') ||
  arg.startsWith('../') ||
  arg === '.' ||
  /\.(oci|tar)(:[^/]*)?$/.test(arg);

/** One platform's image of any reference; call close() when done with it. */
export async function openImage(ref: string, options: OpenOptions = {}): Promise<OpenedImage> {
  if (ref.startsWith('oci:')) return openLayout(ref.slice('oci:'.length), options);
  if (ref.startsWith('oci-archive:')) return openArchive(ref.slice('oci-archive:'.length), 'oci-archive', options);
  if (ref.startsWith('docker-archive:'))
    return openArchive(ref.slice('docker-archive:'.length), 'docker-archive', options);
  if (ref.startsWith('docker://') || options.localPaths === false) return openRegistry(ref, options);
  const { path } = await splitTag(ref);
  const kind = await pathKind(path);
  if (kind === 'dir') return openLayout(ref, options);
  if (kind === 'file') return openArchive(ref, 'oci-archive', options);
  if (looksLikePath(ref)) {
    const said = options.command ? `${options.command}: ` : '';
    throw new PithError('input', `${said}no such ${/\.tar(:[^/]*)?$/.test(ref) ? 'archive' : 'layout'}: ${path}`);
  }
  return openRegistry(ref, options);
}

async function openRegistry(ref: string, options: OpenImageOptions): Promise<OpenedImage> {
  return (await import('./registry.js')).openRegistry(ref, options);
}

/**
 * Every image of a layout (`[oci:]DIR[:TAG]`, read in place) or of an archive holding one
 * (`oci-archive:FILE[:TAG]`, `docker-archive:FILE[:TAG]`): what `pith push` sends.
 */
export async function openImageSet(ref: string): Promise<OpenedImageSet> {
  if (ref.startsWith('oci-archive:')) return openArchiveSet(ref.slice('oci-archive:'.length), 'oci-archive');
  if (ref.startsWith('docker-archive:')) return openArchiveSet(ref.slice('docker-archive:'.length), 'docker-archive');
  if (ref.startsWith('docker://'))
    throw usageError(`${ref}: only layouts and archives can be read whole; open one image with openImage`);
  const { dir, tag } = await parseLayoutArg(ref.startsWith('oci:') ? ref.slice('oci:'.length) : ref);
  const set = await readOciLayout(dir, tag);
  return { ...set, origin: { kind: 'layout', dir: resolve(dir) }, close: async () => undefined };
}
