/**
 * One error type for everything a user can cause. The CLI prints `message` (plus `hint`) on one
 * line and exits with `exitCode`; anything that is not a PithError is a bug and shows its stack.
 */
export type ErrorKind = 'usage' | 'spec' | 'build' | 'input' | 'network' | 'integrity';

export interface PithErrorOptions {
  /** Where the problem is: `pith.yaml:12:5`, a field path, a package or a file path. */
  where?: string;
  /** What the user can do about it, appended after the message. */
  hint?: string;
  cause?: unknown;
}

export class PithError extends Error {
  readonly kind: ErrorKind;
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, message: string, options: PithErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PithError';
    this.kind = kind;
    this.where = options.where;
    this.hint = options.hint;
  }

  /** 2 for usage and spec mistakes, 1 for everything that went wrong while building. */
  get exitCode(): number {
    return this.kind === 'usage' || this.kind === 'spec' ? 2 : 1;
  }

  /** The one line the CLI prints. */
  oneLine(): string {
    const head = this.where ? `${this.where}: ${this.message}` : this.message;
    return this.hint ? `${head} (${this.hint})` : head;
  }
}

export const usageError = (message: string, options?: PithErrorOptions) => new PithError('usage', message, options);
export const specError = (message: string, options?: PithErrorOptions) => new PithError('spec', message, options);
export const buildError = (message: string, options?: PithErrorOptions) => new PithError('build', message, options);
export const integrityError = (message: string, options?: PithErrorOptions) =>
  new PithError('integrity', message, options);

export function isPithError(value: unknown): value is PithError {
  return value instanceof PithError;
}
