/**
 * The distribution client (`pith/registry`): references, credentials, pull, push, and OCI
 * referrers. Images themselves are `pith/image`; reading and writing them on any medium,
 * push with SBOMs included, is `pith/transports`.
 */
export { RegistryClient, type ClientOptions } from './client.js';
export { parseReference, formatReference, repositoryName, DOCKER_HUB, type Reference } from './reference.js';
export { findCredentials, type Credentials } from './credentials.js';
export { pullImage, type PullOptions, type PulledImage } from './pull.js';
export { pushArtifact, type PushOptions, type PushResult, type BlobEvent, type BlobAction } from './push.js';
export {
  pushReferrers,
  listReferrers,
  fetchReferrerDocument,
  referrersTag,
  SPDX_ARTIFACT_TYPE,
  CYCLONEDX_ARTIFACT_TYPE,
  type ReferrerArtifact,
  type ReferrersOptions,
  type AttachedReferrer,
} from './referrers.js';
export { attachSboms, describeAttached, type AttachedSbom, type ImageSbomDocuments } from './sbom-referrers.js';
export {
  parseManifest,
  selectPlatform,
  formatPlatform,
  verifyDigest,
  MANIFEST_ACCEPT,
  type ParsedManifest,
} from './manifest.js';
export { RegistryError } from './errors.js';
