import { usageError } from '../errors.js';
import { type Digest, isDigest } from '../image/digest.js';

/**
 * An image reference, `host[:port]/path[:tag][@sha256:...]`, normalised the way Docker does:
 * a first component that has no `.` or `:` and is not `localhost` is part of the path on
 * Docker Hub (`alpine` -> `docker.io/library/alpine`).
 */
export interface Reference {
  /** The registry as written after normalisation: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** The repository path inside the registry: `library/alpine`, `acme/api`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's API actually answers. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?$/;
const IPV6_HOST = /^\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?\](?::[0-9]+)?$/;
const MAX_NAME = 255;

function bad(input: string, why: string): never {
  throw usageError(`invalid image reference "${input}": ${why}`, {
    hint: 'expected host[:port]/path[:tag][@sha256:<64 hex>], e.g. 127.0.0.1:5000/acme/api:v1',
  });
}

/** Parses and normalises a reference; throws a one-line usage error naming what is wrong. */
export function parseReference(input: string): Reference {
  let rest = input.trim();
  if (rest.startsWith('docker://')) rest = rest.slice('docker://'.length);
  if (rest === '') bad(input, 'it is empty');
  if (/\s/.test(rest)) bad(input, 'it contains white space');

  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!d.startsWith('sha256:')) bad(input, `only sha256 digests are supported, not "${d}"`);
    if (!isDigest(d)) bad(input, `"${d}" is not sha256: followed by 64 lowercase hex digits`);
    digest = d;
  }

  // The tag is after the last ':' that comes after the last '/', so "host:5000/x" has no tag.
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(input, `tag "${tag}" must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`);
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0]!;
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry) && !IPV6_HOST.test(registry))
      bad(input, `"${registry}" is not a valid registry host[:port]`);
    if (registry.toLowerCase() === 'index.docker.io' || registry.toLowerCase() === 'registry-1.docker.io')
      registry = DOCKER_HUB;
  }
  if (parts.length === 0 || parts.some((p) => p === ''))
    bad(input, 'the repository path is empty or has an empty component');
  for (const p of parts) {
    if (p !== p.toLowerCase() && COMPONENT.test(p.toLowerCase()))
      bad(input, `repository names must be lowercase ("${p}")`);
    if (!COMPONENT.test(p))
      bad(input, `"${p}" is not a valid path component (lowercase letters, digits, and . _ __ - between them)`);
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length + registry.length + 1 > MAX_NAME) bad(input, `the name is longer than ${MAX_NAME} characters`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`, the canonical form. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `registry/repository`, what error messages name. */
export function repositoryName(ref: Pick<Reference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The host[:port] the API is served at (Docker Hub's differs from its name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** The hostname without port or IPv6 brackets. */
export function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon >= 0 ? registry.slice(0, colon) : registry;
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts pith talks plain HTTP to without --insecure. */
export function isLoopback(registry: string): boolean {
  const host = hostnameOf(registry).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/** The manifest reference to put or get: the digest when there is one, else the tag (default latest). */
export function manifestRef(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
