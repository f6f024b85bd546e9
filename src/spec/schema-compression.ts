/** The compression: key of the spec: gzip or zstd, with a level, as a string or a mapping. */
import { z } from 'zod';
import { strict, typeError } from './fields.js';
import {
  COMPRESSION_ALGORITHMS,
  COMPRESSION_LEVELS,
  parseCompression,
  type Compression,
  type CompressionAlgorithm,
} from '../image/compression.js';

const ALGORITHMS = COMPRESSION_ALGORITHMS.map(
  (a) =>
    `${a} (levels ${COMPRESSION_LEVELS[a].min}..${COMPRESSION_LEVELS[a].max}, default ${COMPRESSION_LEVELS[a].default})`,
).join(', ');
export const compression = z
  .union(
    [
      z
        .string()
        .regex(/^(gzip|zstd)(:\d+)?$/, {
          error: (iss) => `expected gzip or zstd, optionally with a level like zstd:19, got "${String(iss.input)}"`,
        })
        .transform((text, ctx): Compression => {
          const parsed = parseCompression(text);
          if (typeof parsed !== 'string') return parsed;
          ctx.addIssue({ code: 'custom', message: parsed, input: text });
          return z.NEVER;
        }),
      strict('a mapping with algorithm: (and level:)', {
        algorithm: z.enum(COMPRESSION_ALGORITHMS, {
          error: (iss) => `expected gzip or zstd, got ${JSON.stringify(iss.input)}`,
        }),
        level: z
          .number({ error: typeError('a whole number') })
          .int({ error: 'must be a whole number' })
          .optional(),
      })
        .superRefine((c, ctx) => {
          const { min, max } = COMPRESSION_LEVELS[c.algorithm as CompressionAlgorithm];
          if (c.level !== undefined && (c.level < min || c.level > max)) {
            ctx.addIssue({
              code: 'custom',
              message: `${c.algorithm} levels are ${min}..${max}, got ${c.level}`,
              path: ['level'],
              input: c.level,
            });
          }
        })
        .transform((c): Compression => ({
          algorithm: c.algorithm,
          level: c.level ?? COMPRESSION_LEVELS[c.algorithm].default,
        })),
    ],
    { error: typeError('gzip, zstd, "zstd:19" or a mapping with algorithm: and level:') },
  )
  .describe(`Layer compression: ${ALGORITHMS}; "zstd", "zstd:19" or { algorithm, level }. Part of every layer digest.`);
