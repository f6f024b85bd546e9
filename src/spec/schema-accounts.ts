/** The accounts: key of the spec (users and groups written to /etc/passwd and /etc/group). */
import { z } from 'zod';
import { accountName, describeValue, id, imagePath, notInPasswd, strict, text, typeError, uniqueBy } from './fields.js';
import type { UserSpec } from './types.js';

const user = strict('a mapping with name: and uid:', {
  name: accountName().describe('User name, as in /etc/passwd.'),
  uid: id().describe('User id, 0..2147483647.'),
  gid: id().optional().describe('Primary group id; defaults to the uid.'),
  home: imagePath()
    .refine(...notInPasswd)
    .optional()
    .describe('Home directory; defaults to /home/<name>, or /root for uid 0.'),
  shell: imagePath()
    .refine(...notInPasswd)
    .optional()
    .describe('Login shell; defaults to /sbin/nologin.'),
  gecos: text()
    .refine(...notInPasswd)
    .optional()
    .describe('Comment field (full name); defaults to the name.'),
}).transform((u): UserSpec => ({
  name: u.name,
  uid: u.uid,
  gid: u.gid ?? u.uid,
  home: u.home ?? (u.uid === 0 ? '/root' : `/home/${u.name}`),
  shell: u.shell ?? '/sbin/nologin',
  gecos: u.gecos ?? u.name,
}));

const group = strict('a mapping with name: and gid:', {
  name: accountName().describe('Group name, as in /etc/group.'),
  gid: id().describe('Group id, 0..2147483647.'),
  members: z
    .array(accountName(), { error: typeError('a list of user names') })
    .default(() => [])
    .describe('User names listed as (supplementary) members.'),
});

export const accounts = strict('a mapping with preset:, users: and groups:', {
  preset: z
    .enum(['distroless', 'none'], {
      error: (iss) =>
        `expected "distroless" or "none", got ${typeof iss.input === 'string' ? `"${iss.input}"` : describeValue(iss.input)}`,
    })
    .default('distroless')
    .describe('Base accounts: "distroless" (root, nonroot 65532, nobody) or "none".'),
  users: z
    .array(user, { error: typeError('a list of users') })
    .superRefine(uniqueBy('user name', (u: UserSpec) => u.name, ['name']))
    .default(() => [])
    .describe('Users added to /etc/passwd.'),
  groups: z
    .array(group, { error: typeError('a list of groups') })
    .superRefine(uniqueBy('group name', (g: { name: string }) => g.name, ['name']))
    .default(() => [])
    .describe('Groups added to /etc/group.'),
});
