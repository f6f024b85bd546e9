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

  /**
   * The one line the CLI prints. Values from files, packages and servers are echoed in messages,
   * so control characters are shown as escapes: the line stays one line, and no escape sequence
   * reaches the terminal of whoever runs pith.
   */
  oneLine(): string {
    const head = this.where ? `${this.where}: ${this.message}` : this.message;
    return printable(this.hint ? `${head} (${this.hint})` : head);
  }
}

/** Longest line an error prints: a value echoed from a hostile file must not flood the terminal. */
export const MAX_ERROR_LINE = 4096;

/**
 * `text` with C0/C1 control characters, DEL, line/paragraph separators and bidirectional
 * overrides written as escapes (`\n`, `\x1b`, `\u202e`), cut to MAX_ERROR_LINE characters.
 */
/**
 * A report with every string in it made printable (not cut), for text output: paths and names
 * taken from an image can hold newlines and escape sequences. Arrays and plain objects are copied.
 */
export function printableStrings<T>(value: T): T {
  if (typeof value === 'string') return printable(value, Infinity) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printableStrings(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableStrings(v)])) as T;
  }
  return value;
}

export function printable(text: string, max = MAX_ERROR_LINE): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    return (
      named[c] ??
      (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
    );
  });
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

export const usageError = (message: string, options?: PithErrorOptions) => new PithError('usage', message, options);
export const specError = (message: string, options?: PithErrorOptions) => new PithError('spec', message, options);
export const buildError = (message: string, options?: PithErrorOptions) => new PithError('build', message, options);
export const integrityError = (message: string, options?: PithErrorOptions) =>
  new PithError('integrity', message, options);

export function isPithError(value: unknown): value is PithError {
  return value instanceof PithError;
}
