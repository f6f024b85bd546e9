/**
 * JSON with object keys sorted at every level and no insignificant whitespace: the same value
 * always serialises to the same bytes, whatever order its keys were set in.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function stableJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(stableJson(value));
}
