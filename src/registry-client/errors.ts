import { PithError } from '../errors.js';
import type { Credentials } from './credentials.js';
import type { HttpResponse } from './http.js';

/** A registry answered with an error status: the status, its error code and message on one line. */
export class RegistryError extends PithError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    options: { hint?: string; where?: string } = {},
  ) {
    super('network', message, options);
  }
}

interface ErrorBody {
  errors?: Array<{ code?: string; message?: string; detail?: unknown }>;
}

/** What a bodiless answer (to HEAD, say) means, in the distribution spec's words. */
const FALLBACK: Record<number, [string, string]> = {
  401: ['UNAUTHORIZED', 'authentication required'],
  403: ['DENIED', 'requested access to the resource is denied'],
  404: ['NOT_FOUND', 'not found'],
  429: ['TOOMANYREQUESTS', 'too many requests'],
};

/** "401 unauthorized: authentication required" from a status and the registry's error body. */
export function describeError(status: number, bodyText: string): { code: string | undefined; text: string } {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(bodyText) as ErrorBody;
    const first = body.errors?.[0];
    if (first) {
      code = first.code;
      message = first.message;
    }
  } catch {
    // Not the distribution error format: use the first line of the text, if short.
    const line = bodyText.trim().split('\n')[0]?.trim() ?? '';
    if (line && line.length <= 200 && !line.startsWith('<')) message = line;
  }
  if (!code && !message && FALLBACK[status]) [code, message] = FALLBACK[status]!;
  const codeText = code ? code.toLowerCase().replace(/_/g, ' ') : undefined;
  const parts = [String(status)];
  if (codeText) parts[0] = `${status} ${codeText}`;
  const head = parts[0]!;
  if (message && message.toLowerCase() !== codeText) return { code, text: `${head}: ${message}` };
  return { code, text: head };
}

export interface ErrorContext {
  /** What was being done: "HEAD blob sha256:ab12", "PUT manifest v1". */
  action?: string;
  registry: string;
  repository: string;
  credentials?: Credentials | undefined;
}

/** Reads the error body of a failed response and turns it into a one-line RegistryError. */
export async function registryError(res: HttpResponse, context: ErrorContext): Promise<RegistryError> {
  let text = '';
  try {
    text = res.method === 'HEAD' ? '' : await res.text(64 * 1024);
  } catch {
    // The body is only decoration; the status is the error.
  }
  const { code, text: described } = describeError(res.status, text);
  // Auth failures are about the repository, not the request that met them.
  const message =
    context.action && res.status !== 401 && res.status !== 403 ? `${described}, on ${context.action}` : described;
  const challenge = String(res.headers['www-authenticate'] ?? '');
  return new RegistryError(
    res.status,
    code,
    message,
    authHint(res.status, code, context, /insufficient_scope/.test(challenge)),
  );
}

function authHint(
  status: number,
  code: string | undefined,
  context: ErrorContext,
  insufficientScope: boolean,
): { hint?: string } {
  const login = `log in with "podman login ${context.registry}" or "docker login ${context.registry}"`;
  if (status === 401 && insufficientScope && context.credentials) {
    return { hint: `the credentials from ${context.credentials.source} are not allowed this on ${context.repository}` };
  }
  if (status === 401) {
    return {
      hint: context.credentials ? `the credentials from ${context.credentials.source} were rejected; ${login}` : login,
    };
  }
  if (status === 403 || code === 'DENIED') {
    return {
      hint: context.credentials
        ? `the account from ${context.credentials.source} may not do this on ${context.repository}`
        : `anonymous access was denied; ${login}`,
    };
  }
  if (status === 429) return { hint: 'the registry is rate-limiting; try again later' };
  return {};
}
