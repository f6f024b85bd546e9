/** What the spec puts in the image from the host or inline: the files:, binaries: and paths: entries. */
import { z } from 'zod';
import { hostPath, imagePath, mode, normalizeImagePath, strict, typeError, userRef } from './fields.js';
import type { BinarySpec } from './types.js';

const OWNER_EXAMPLE = '"65532", "65532:65532" or "nonroot:nonroot"';
const owner = () =>
  userRef(OWNER_EXAMPLE).describe(`Owner in the image: a uid, uid:gid, user or user:group, e.g. ${OWNER_EXAMPLE}.`);
const fileMode = () => mode().describe('Permission bits as a quoted octal string, e.g. "0755" or "4755" (setuid).');

export const file = strict('a mapping with src: and dest:', {
  src: hostPath().describe('Host path, absolute or relative to the directory of the spec file.'),
  dest: imagePath().describe('Absolute path in the image.'),
  mode: fileMode().optional(),
  owner: owner().optional(),
});

export const binary = z
  .union(
    [
      hostPath(),
      strict('a mapping with src: (and dest:)', {
        src: hostPath().describe('Host path of the executable, absolute or relative to the spec file.'),
        dest: imagePath()
          .optional()
          .describe('Absolute path in the image; defaults to src (then src must be absolute).'),
      }),
    ],
    { error: typeError('a host path, or a mapping with src: and dest:') },
  )
  .transform((v, ctx): BinarySpec => {
    const { src, dest } = typeof v === 'string' ? { src: v, dest: undefined } : v;
    if (dest !== undefined) return { src, dest };
    const derived = normalizeImagePath(src);
    if (typeof derived === 'string') return { src, dest: derived };
    ctx.addIssue({
      code: 'custom',
      message:
        typeof v === 'string'
          ? `"${src}" is not an absolute path, so it cannot also be the image path (write src: and dest:)`
          : `required when src is not an absolute path (where in the image should "${src}" go?)`,
      path: typeof v === 'string' ? [] : ['dest'],
      input: v,
    });
    return z.NEVER;
  })
  .describe(
    'An executable copied with its shared-library closure: a host path, or { src, dest }. dest defaults to src.',
  );

const PATH_TYPES = '"dir", "file" or "symlink"';
export const pathEntry = z
  .discriminatedUnion(
    'type',
    [
      strict('a mapping with path: and type:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('dir').describe('A directory.'),
        mode: fileMode().optional(),
        owner: owner().optional(),
      }),
      strict('a mapping with path:, type: and content:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('file').describe('A regular file with the given content.'),
        content: z
          .string({
            error: typeError('a string', (input) =>
              input === undefined ? 'required for type: file (the text to write)' : undefined,
            ),
          })
          .describe('The file content (UTF-8 text).'),
        mode: fileMode().optional(),
        owner: owner().optional(),
      }),
      strict('a mapping with path:, type: and target:', {
        path: imagePath().describe('Absolute path in the image.'),
        type: z.literal('symlink').describe('A symbolic link.'),
        target: z
          .string({
            error: typeError('a string', (input) =>
              input === undefined ? 'required for type: symlink (where the link points)' : undefined,
            ),
          })
          .min(1, { error: 'must not be empty' })
          // A link target is a C string of at most PATH_MAX bytes: no NUL, and a tar can hold it.
          .regex(/^[^\0]*$/, { error: 'must not contain NUL bytes' })
          .max(4095, { error: 'must be at most 4095 characters (PATH_MAX)' })
          .describe('What the link points to, as stored in the link (absolute or relative).'),
        owner: owner().optional(),
      }),
    ],
    {
      error: (iss) => {
        if (iss.code !== 'invalid_union') return typeError('a mapping with path: and type:')(iss);
        const type = isRecord(iss.input) ? iss.input['type'] : undefined;
        return type === undefined
          ? `required: one of ${PATH_TYPES}`
          : `expected ${PATH_TYPES}, got ${JSON.stringify(type)}`;
      },
    },
  )
  .describe('A directory, file or symlink created in the image.');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
