/**
 * Field paths -> `file:line:col`, from the parsed YAML document (its nodes keep source offsets).
 */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  /**
   * The source offset of the value at `path` (or of its key, with `atKey`), falling back to the
   * nearest part of the path that exists; undefined for an empty document.
   */
  offset(path: ReadonlyArray<string | number>, atKey = false): number | undefined {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node);
    for (const [i, segment] of path.entries()) {
      node = this.resolve(node);
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const valueStart = rangeStart(pair.value);
        // `key:` with nothing after it has an empty value; point at the key then.
        const emptyValue = isScalar(pair.value) && pair.value.value === null && pair.value.source === '';
        if (last && atKey) return keyStart ?? offset;
        offset = (emptyValue ? keyStart : valueStart) ?? keyStart ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset;
  }

  /** `file:line:col` for the offset, or the file alone when there is nothing to point at. */
  at(offset: number | undefined): string {
    if (offset === undefined) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  where(path: ReadonlyArray<string | number>, atKey = false): string {
    return this.at(this.offset(path, atKey));
  }

  private resolve(node: unknown): unknown {
    // Aliases lead to what their anchor holds; errors inside are reported at the anchor.
    return isAlias(node) ? (node.resolve(this.doc) ?? node) : node;
  }
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && (node as Node).range ? (node as Node).range![0] : undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}
