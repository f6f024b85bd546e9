/**
 * Reads a spec file (YAML, or JSON which is YAML too), validates it and returns the normalized
 * `Spec` with a way to point at any field of the file. Every user mistake is a spec PithError whose
 * `where` is `file:line:col` and whose message is `field: what is wrong`.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { PithError, specError } from '../errors.js';
import { formatLimit, limit, raiseHint } from '../limits.js';
import { checkSpec, loadedSpec, lockPathFor, MAX_NESTING, type LoadedSpec } from './check.js';
import { Positions } from './positions.js';

export { formatFieldPath, type LoadedSpec } from './check.js';

export async function loadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readBounded(file, limit('specBytes'));
  } catch (err) {
    if (err instanceof PithError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw specError('no such file', {
        where: file,
        hint: 'create one, or pass the spec path: pith build path/to/pith.yaml',
        cause: err,
      });
    }
    if (code === 'EISDIR') {
      throw specError('is a directory', {
        where: file,
        hint: 'pass the spec file in it, e.g. dir/pith.yaml',
        cause: err,
      });
    }
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(err));
    throw specError(`cannot read the spec (${reason})`, { where: file, cause: err });
  }
  return parseSpec(text, file);
}

export function parseSpec(text: string, file: string): LoadedSpec {
  const maxBytes = limit('specBytes');
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) throw tooLarge(file, maxBytes);
  const deep = tooDeep(text);
  if (deep !== undefined) {
    throw specError(`invalid YAML: collections nested more than ${MAX_NESTING} deep`, {
      where: `${file}:${deep.line}:${deep.col}`,
    });
  }
  const lines = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other (40,000 keys: 23 s);
  // duplicateKey() below does it with one set per mapping.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: 'error', uniqueKeys: false });
  const positions = new Positions(doc, lines, file);

  const syntax = doc.errors[0];
  if (syntax)
    throw specError(`invalid YAML: ${syntax.message.split('\n')[0]!}`, { where: positions.at(syntax.pos[0]) });
  const duplicate = duplicateKey(doc);
  if (duplicate)
    throw specError(`invalid YAML: duplicate key ${JSON.stringify(duplicate.key)}`, {
      where: positions.at(duplicate.offset),
    });

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

  const spec = checkSpec(data, (problem) => {
    const offset = positions.offset(problem.path, problem.atKey);
    return { where: positions.at(offset), order: offset ?? -1 };
  });
  return loadedSpec(spec, data, {
    file,
    dir: path.dirname(file),
    lockFile: lockPathFor(file),
    where: (fieldPath) => positions.where(fieldPath),
  });
}

/** The first key (in file order) that repeats an earlier key of its mapping: linear in the keys. */
function duplicateKey(doc: Document): { key: string; offset: number | undefined } | undefined {
  let first: { key: string; offset: number | undefined } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        if (first === undefined || (offset ?? Infinity) < (first.offset ?? Infinity)) first = { key, offset };
        break;
      }
      return undefined;
    },
  });
  return first;
}

/**
 * Where flow brackets (outside quotes and comments) first nest deeper than MAX_NESTING, in one
 * pass; undefined when they never do. (Block nesting costs a column per level, so the size limit
 * bounds it well below where yaml slows down.)
 */
function tooDeep(text: string): { line: number; col: number } | undefined {
  let depth = 0;
  let quote: string | undefined;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return { line, col: i - lineStart + 1 };
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function tooLarge(file: string, maxBytes: number): PithError {
  return specError(`the spec is larger than ${formatLimit('specBytes', maxBytes)}; refused`, {
    where: file,
    hint: raiseHint('specBytes'),
  });
}

/** The file's text, refused past `maxBytes` without reading more (a FIFO or /dev/zero included). */
async function readBounded(file: string, maxBytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (info.isFile() && info.size > maxBytes) throw tooLarge(file, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
    }
    return new TextDecoder().decode(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
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
