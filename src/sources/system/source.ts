/**
 * The system files as a source: accounts (/etc/passwd, /etc/group), nsswitch.conf, os-release,
 * /tmp and the users' homes (system-files.ts). On a base image they are left to the base unless
 * the spec names accounts: (they would shadow the base's /etc/passwd).
 */
import type { Source } from '../source.js';
import { addSystemFiles } from './system-files.js';

export function systemFiles(): Source {
  return {
    name: 'system files',
    contribute: async () => ({
      entries: async (tree, ctx) => addSystemFiles(tree, ctx.accounts, ctx.os, ctx.effectUsers),
    }),
  };
}
