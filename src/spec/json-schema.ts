/**
 * The JSON Schema of pith.yaml, generated from the zod schema (the source of truth) and committed as
 * schema/pith.schema.json for editors (a test keeps that file up to date).
 */
import { z } from 'zod';
import { specFileSchema } from './schema.js';

export const SPEC_SCHEMA_ID = 'urn:pith:schema:pith.yaml:v1';

export function specJsonSchema(): object {
  // The input side: what users write, before defaults and normalization.
  const generated = z.toJSONSchema(specFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
  const { $schema, ...rest } = generated;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    $id: SPEC_SCHEMA_ID,
    title: 'pith spec',
    ...rest,
  };
}
