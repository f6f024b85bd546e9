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
    const below = [...call.ws.tree.unordered()].filter((e) => e.path === base || (base === '' ? e.path !== '' : e.path.startsWith(`${base}/`))).sort((a, b) => compareBytes(a.path, b.path));
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
    .replace(/%([pPfh%])/g, (_m, c: string) => (c === 'p' ? shown : c === 'P' ? relative : c === 'f' ? shown.slice(slash + 1) : c === 'h' ? (slash > 0 ? shown.slice(0, slash) : '.') : '%'))
    .replace(/\\([nt0\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === '0' ? '\0' : '\\'));
}

/** or := and (-o and)*; and := not ((-a)? not)*; not := (!|-not) not | ( or ) | primary */
function parseExpression(call: ScriptCall, args: string[]): { test: Test; actions: Action[] } {
  const actions: Action[] = [];
  let i = 0;
  const or = (): Test => {
    let left = and();
    while (args[i] === '-o' || args[i] === '-or') {
      i++;
      const l = left;
      const r = and();
      left = (e, s) => l(e, s) || r(e, s);
    }
    return left;
  };
  const and = (): Test => {
    let left = not();
    while (i < args.length && args[i] !== '-o' && args[i] !== '-or' && args[i] !== ')') {
      if (args[i] === '-a' || args[i] === '-and') i++;
      const l = left;
      const r = not();
      left = (e, s) => l(e, s) && r(e, s);
    }
    return left;
  };
  const not = (): Test => {
    if (args[i] === '!' || args[i] === '-not') {
      i++;
      const inner = not();
      return (e, s) => !inner(e, s);
    }
    if (args[i] === '(') {
      i++;
      const inner = or();
      if (args[i++] !== ')') throw new FindSyntax('missing )');
      return inner;
    }
    return primary();
  };
  const value = () => {
    const v = args[++i];
    i++;
    if (v === undefined) throw new FindSyntax('missing value');
    return v;
  };
  const primary = (): Test => {
    const a = args[i];
    switch (a) {
      case '-name': {
        const re = new RegExp(`^${patternToRegExp(value())}$`, 's');
        return (e) => re.test(e.path.slice(e.path.lastIndexOf('/') + 1));
      }
      case '-path': {
        const re = new RegExp(`^${patternToRegExp(value())}$`, 's');
        return (_e, shown) => re.test(shown);
      }
      case '-regex': {
        const re = toRegExp(value(), false, '');
        return (_e, shown) => new RegExp(`^(?:${re.source})$`).test(shown);
      }
      case '-type': {
        const type = ({ f: 'file', d: 'dir', l: 'symlink' } as Record<string, string>)[value()];
        if (!type) throw new FindSyntax('type');
        return (e) => e.type === type || (type === 'file' && e.type === 'hardlink');
      }
      case '-empty':
        i++;
        return (e) => (e.type === 'dir' ? ![...call.ws.tree.unordered()].some((c) => c.path.startsWith(`${e.path}/`)) : e.type === 'file' && e.size === 0);
      case '-print':
      case '-delete':
        i++;
        actions.push({ kind: a === '-print' ? 'print' : 'delete' });
        return () => true;
      case '-printf':
        actions.push({ kind: 'printf', format: value() });
        return () => true;
      default:
        throw new FindSyntax(`unsupported ${a}`);
    }
  };
  const test = i < args.length ? or() : () => true;
  if (i !== args.length) throw new FindSyntax('extra arguments');
  return { test, actions };
}
