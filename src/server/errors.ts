/**
 * Registry errors as the distribution-spec writes them: `{"errors":[{"code","message","detail"}]}`
 * with the status that goes with the code.
 */

export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'UNSUPPORTED'
  | 'DENIED'
  | 'TOOMANYREQUESTS'
  | 'RANGE_INVALID'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

const STATUS: Record<RegistryErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  UNSUPPORTED: 405,
  DENIED: 403,
  TOOMANYREQUESTS: 429,
  // distribution's code for an unsatisfiable Range
  RANGE_INVALID: 416,
  UNAVAILABLE: 503,
  UNKNOWN: 500,
};

export class DistributionError extends Error {
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail: Record<string, unknown> | null = null,
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DistributionError';
    this.status = status ?? STATUS[code];
  }
}

export function isDistributionError(value: unknown): value is DistributionError {
  return value instanceof DistributionError;
}

export function errorBody(err: DistributionError): string {
  return JSON.stringify({ errors: [{ code: err.code, message: err.message, detail: err.detail }] });
}
