/**
 * Reads a spec file (YAML, or JSON which is YAML too), validates it and returns the normalized
 * `Spec` with a way to point at any field of the file. Every user mistake is a spec PithError whose
 * `where` is `file:line:col` and whose message is `field: what is wrong`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { specError } from '../errors.js';
import { checkAgainst, type FieldPath } from './issues.js';
import { Positions } from './positions.js';
import { specSchema } from './schema.js';
import type { Spec } from './types.js';

export interface LoadedSpec {
  spec: Spec;
  /** The path as given. */
  file: string;
  /** Absolute directory of the file; relative `src` paths resolve against it. */
  dir: string;
  /**
   * `pith.yaml:14:7` for a field path like `['files', 0, 'src']` (keys as written in the file),
   * falling back to the nearest existing parent, then to the file name.
   */
  where(path: ReadonlyArray<string | number>): string;
  /** Whether a top-level key is written in the file (defaults make every key present in `spec`). */
  written(key: string): boolean;
}

export async function loadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw specError('no such file', {
        where: file,
        hint: 'create one, or pass the spec path: pith build path/to/pith.yaml',
        cause: err,
      });
    }
    if (code === 'EISDIR') {
      throw specError('is a directory', { where: file, hint: 'pass the spec file in it, e.g. dir/pith.yaml', cause: err });
    }
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(err));
    throw specError(`cannot read the spec (${reason})`, { where: file, cause: err });
  }
  return parseSpec(text, file);
}

export function parseSpec(text: string, file: string): LoadedSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: 'error' });
  const positions = new Positions(doc, lines, file);

  const syntax = doc.errors[0];
  if (syntax) {
    const message =
      syntax.code === 'DUPLICATE_KEY'
        ? `duplicate key "${duplicateKey(doc, syntax.pos[0]) ?? text.slice(syntax.pos[0], syntax.pos[1])}"`
        : syntax.message.split('\n')[0]!;
    throw specError(`invalid YAML: ${message}`, { where: positions.at(syntax.pos[0]) });
  }

  const top = doc.contents;
  if (top === null || (isScalar(top) && top.value === null)) {
    throw specError('the spec is empty', { where: file, hint: 'start with a mapping, e.g. name: myapp' });
  }
  if (!isMap(top)) {
    const got = isSeq(top) ? 'a list' : isAlias(top) ? 'an alias' : 'a single value';
    throw specError(`expected a mapping of keys like name: and entrypoint: at the top level, got ${got}`, {
      where: positions.where([]),
    });
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolvable aliases and alias bombs only show up when the document is turned into values.
    throw specError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`, {
      where: positions.at(firstBadAlias(doc)),
      cause: err,
    });
  }

  const checked = checkAgainst(specSchema, data);
  if (!checked.ok) {
    const located = checked.problems
      .map((problem, index) => ({ problem, index, offset: positions.offset(problem.path, problem.atKey) ?? -1 }))
      .sort((a, b) => a.offset - b.offset || a.index - b.index);
    const first = located[0]!;
    const field = formatFieldPath(first.problem.path);
    const more = located.length > 1 ? ` (and ${located.length - 1} more)` : '';
    throw specError(`${field ? `${field}: ` : ''}${first.problem.message}${more}`, { where: positions.at(first.offset < 0 ? undefined : first.offset) });
  }

  return {
    spec: checked.value,
    file,
    dir: path.resolve(path.dirname(file)),
    where: (fieldPath) => positions.where(fieldPath),
    written: (key) => typeof data === 'object' && data !== null && Object.hasOwn(data, key),
  };
}

/** `files[2].mode`, `env.PORT`, `labels["org.opencontainers.image.title"]`. */
export function formatFieldPath(fieldPath: Readonly<FieldPath>): string {
  let out = '';
  for (const segment of fieldPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += out === '' ? JSON.stringify(segment) : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function duplicateKey(doc: Document, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function firstBadAlias(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        found = alias.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
