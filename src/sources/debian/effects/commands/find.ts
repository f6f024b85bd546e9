/**
 * find over the image: `find PATH... [-mindepth N] [-maxdepth N] EXPRESSION`, where the expression
 * combines -name, -path, -regex, -type f|d|l and -empty with !/-not, -a/-and, -o/-or and ( ), and
 * the actions are -print (the default), -printf (%p %P %f %h %%, \n \t \0) and -delete (only what
 * install effects made can really go; a package's entry is reported, as rm does).
 */
import type { TreeEntry } from '../../../../tree/entry.js';
import { compareBytes } from '../../../../byte-order.js';
import { patternToRegExp } from '../shell/expand.js';
import { toRegExp } from './sed.js';
import type { CommandHandler, ScriptCall } from './call.js';

type Test = (e: TreeEntry, shown: string) => boolean;
type Action = { kind: 'print' } | { kind: 'printf'; format: string } | { kind: 'delete' };

class FindSyntax extends Error {}

export const find: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  const roots: string[] = [];
  let i = 0;
  for (; i < args.length && !/^[-!(]/.test(args[i]!); i++) roots.push(args[i]!);
  let minDepth = 0;
  let maxDepth = Infinity;
  const rest: string[] = [];
  for (; i < args.length; i++) {
    if (args[i] === '-mindepth' || args[i] === '-maxdepth') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n)) return call.unsupported();
      if (args[i - 1] === '-mindepth') minDepth = n;
      else maxDepth = n;
    } else rest.push(args[i]!);
  }
  let parsed: { test: Test; actions: Action[] };
  try {
    parsed = parseExpression(call, rest);
  } catch {
    return call.unsupported();
  }
  const actions = parsed.actions.length ? parsed.actions : [{ kind: 'print' as const }];
  let text = '';
  let status = 0;
  for (const root of roots.length ? roots : ['.']) {
    const path = root === '' ? null : call.path(root);
    const top = path === null ? undefined : call.ws.stat(path);
    if (!top) {
      status = 1;
      continue;
    }
    const base = top.path;
    const below = [...call.ws.tree.unordered()]
      .filter((e) => e.path === base || (base === '' ? e.path !== '' : e.path.startsWith(`${base}/`)))
      .sort((a, b) => compareBytes(a.path, b.path));
    for (const e of below) {
      const relative = e.path === base ? '' : e.path.slice(base === '' ? 0 : base.length + 1);
      const depth = relative === '' ? 0 : relative.split('/').length;
      const shown = relative === '' ? root : `${root.replace(/\/$/, '')}/${relative}`;
      if (depth < minDepth || depth > maxDepth || !parsed.test(e, shown)) continue;
      for (const action of actions) {
        if (action.kind === 'print') text += `${shown}\n`;
        else if (action.kind === 'printf') text += printf(action.format, shown, relative);
        else {
          if (e.origin.kind !== 'effect') call.ws.removed.set(e.path, call.pkg);
          call.ws.tree.remove(e.path);
        }
      }
    }
  }
  return { status, stdout: text };
};

function printf(format: string, shown: string, relative: string): string {
  const slash = shown.lastIndexOf('/');
  return format
    .replace(/%([pPfh%])/g, (_m, c: string) =>
      c === 'p'
        ? shown
        : c === 'P'
          ? relative
          : c === 'f'
            ? shown.slice(slash + 1)
            : c === 'h'
              ? slash > 0
                ? shown.slice(0, slash)
                : '.'
              : '%',
    )
    .replace(/\\([nt0\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === '0' ? '\0' : '\\'));
}

/** or := and (-o and)*; and := not ((-a)? not)*; not := (!|-not) not | ( or ) | primary */
function parseExpression(call: ScriptCall, args: string[]): { test: Test; actions: Action[] } {
  const parser = new ExpressionParser(call, args);
  const test = args.length > 0 ? parser.or() : () => true;
  if (parser.i !== args.length) throw new FindSyntax('extra arguments');
  return { test, actions: parser.actions };
}

class ExpressionParser {
  i = 0;
  readonly actions: Action[] = [];

  constructor(
    private readonly call: ScriptCall,
    private readonly args: string[],
  ) {}

  or(): Test {
    let left = this.and();
    while (this.args[this.i] === '-o' || this.args[this.i] === '-or') {
      this.i++;
      const l = left;
      const r = this.and();
      left = (e, s) => l(e, s) || r(e, s);
    }
    return left;
  }

  and(): Test {
    let left = this.not();
    const { args } = this;
    while (this.i < args.length && args[this.i] !== '-o' && args[this.i] !== '-or' && args[this.i] !== ')') {
      if (args[this.i] === '-a' || args[this.i] === '-and') this.i++;
      const l = left;
      const r = this.not();
      left = (e, s) => l(e, s) && r(e, s);
    }
    return left;
  }

  not(): Test {
    if (this.args[this.i] === '!' || this.args[this.i] === '-not') {
      this.i++;
      const inner = this.not();
      return (e, s) => !inner(e, s);
    }
    if (this.args[this.i] === '(') {
      this.i++;
      const inner = this.or();
      if (this.args[this.i++] !== ')') throw new FindSyntax('missing )');
      return inner;
    }
    return this.primary();
  }

  private value(): string {
    const v = this.args[++this.i];
    this.i++;
    if (v === undefined) throw new FindSyntax('missing value');
    return v;
  }

  private primary(): Test {
    const a = this.args[this.i];
    switch (a) {
      case '-name': {
        const re = new RegExp(`^${patternToRegExp(this.value())}$`, 's');
        return (e) => re.test(e.path.slice(e.path.lastIndexOf('/') + 1));
      }
      case '-path': {
        const re = new RegExp(`^${patternToRegExp(this.value())}$`, 's');
        return (_e, shown) => re.test(shown);
      }
      case '-regex': {
        const re = toRegExp(this.value(), false, '');
        return (_e, shown) => new RegExp(`^(?:${re.source})$`).test(shown);
      }
      case '-type': {
        const type = ({ f: 'file', d: 'dir', l: 'symlink' } as Record<string, string>)[this.value()];
        if (!type) throw new FindSyntax('type');
        return (e) => e.type === type || (type === 'file' && e.type === 'hardlink');
      }
      case '-empty': {
        this.i++;
        const { call } = this;
        return (e) =>
          e.type === 'dir'
            ? ![...call.ws.tree.unordered()].some((c) => c.path.startsWith(`${e.path}/`))
            : e.type === 'file' && e.size === 0;
      }
      case '-print':
      case '-delete':
        this.i++;
        this.actions.push({ kind: a === '-print' ? 'print' : 'delete' });
        return () => true;
      case '-printf':
        this.actions.push({ kind: 'printf', format: this.value() });
        return () => true;
      default:
        throw new FindSyntax(`unsupported ${a}`);
    }
  }
}
