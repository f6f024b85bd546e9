/**
 * A tar stream read entry by entry with tar-stream: each entry's body is handed over as a stream
 * of chunks (never collected here), so the caller decides whether bytes go to memory or to a
 * spool; whatever the caller leaves unread is drained before the next entry. Errors name the
 * package and the member.
 */
import tar from 'tar-stream';
import { PithError, integrityError } from '../../../errors.js';

/**
 * tar-stream's declared header, loosened to what it really produces: `type` is null for typeflags
 * it does not know and `linkname` is null when empty.
 */
export type TarHeader = Omit<tar.Header, 'type' | 'linkname'> & {
  type: tar.Header['type'] | null;
  linkname: string | null;
};

export interface TarItem {
  header: TarHeader;
  /** The entry's data as it arrives; checked against the header's size when it ends. */
  body: AsyncIterable<Uint8Array>;
}

/**
 * What a tar may spend on headers, long names, PAX records, padding and its end beyond its
 * entries' data: per entry (a path is at most 4 KiB, so its records are a few KiB) and between
 * two entries. More is a bomb made of padding or an endless PAX record, which tar-stream would
 * otherwise read (and, for a PAX record, hold) to the end.
 */
const OVERHEAD_PER_ENTRY = 16 * 1024;
const OVERHEAD_BASE = 16 * 1024 * 1024;

/** Counts what goes into the parser and what comes out as entry data. */
class Flow {
  fed = 0;
  delivered = 0;
  entries = 0;
  private overheadAtLastEntry = 0;
  constructor(
    private readonly where: string,
    private readonly member: string,
  ) {}
  entryStarted(): void {
    this.entries += 1;
    this.overheadAtLastEntry = this.fed - this.delivered;
  }
  /** Throws when the bytes that were not entry data pass either allowance. */
  check(): void {
    const overhead = this.fed - this.delivered;
    if (
      overhead - this.overheadAtLastEntry > OVERHEAD_BASE ||
      overhead > OVERHEAD_BASE + OVERHEAD_PER_ENTRY * this.entries
    ) {
      throw integrityError(
        `${this.member} holds more than ${overhead} bytes of tar headers and padding for ${this.entries} entries; refused (a decompression bomb?)`,
        { where: this.where, hint: 'refusing the package: it is malformed or malicious; check where it came from' },
      );
    }
  }
}

/** Parses a tar stream entry by entry. */
export async function* tarEntries(
  source: AsyncIterable<Uint8Array>,
  where: string,
  member: string,
): AsyncGenerator<TarItem> {
  const extract = tar.extract();
  const flow = new Flow(where, member);
  const feeding = feed(source, extract, flow);
  try {
    for await (const entry of extract) {
      const header = entry.header as TarHeader;
      flow.entryStarted();
      const body = checkedBody(entry as AsyncIterable<Uint8Array>, header, where, member, flow);
      yield { header, body };
      // Whatever the consumer did not read (a skipped or refused entry) is drained here.
      for await (const _ of body) void _;
    }
  } catch (error) {
    throw tarError(error, where, member);
  } finally {
    extract.destroy();
    await feeding;
  }
}

/** A parser or decoder failure as one integrity error naming the package and member. */
function tarError(error: unknown, where: string, member: string): PithError {
  if (error instanceof PithError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return integrityError(`${member} is not a valid tar archive: ${detail}`, {
    where,
    hint: 'download the package again',
    cause: error,
  });
}

/** An entry's chunks, once: a truncated entry (fewer bytes than its header says) is an error. */
function checkedBody(
  entry: AsyncIterable<Uint8Array>,
  header: TarHeader,
  where: string,
  member: string,
  flow: Flow,
): AsyncIterable<Uint8Array> {
  let consumed = false;
  return {
    async *[Symbol.asyncIterator]() {
      if (consumed) return;
      consumed = true;
      let filled = 0;
      // Read by the caller, outside tarEntries' own try: failures are named here too.
      const chunks = entry[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw tarError(error, where, member);
        }
        if (next.done) break;
        filled += next.value.byteLength;
        flow.delivered += next.value.byteLength;
        yield next.value;
      }
      if (filled !== (header.size ?? 0)) {
        throw integrityError(`${member} is truncated inside entry ${JSON.stringify(header.name)}`, { where });
      }
    },
  };
}

/** Collects an entry's body into one buffer (control files, and packages read into memory). */
export async function collect(body: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let offset = 0;
  for await (const chunk of body) {
    // checkedBody refuses a body longer than its header at its end; never write past `size`.
    if (offset + chunk.byteLength <= size) out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Writes `source` into the tar parser with backpressure; stops once the parser is destroyed. */
async function feed(source: AsyncIterable<Uint8Array>, extract: tar.Extract, flow: Flow): Promise<void> {
  const parser = extract as tar.Extract & { destroyed: boolean };
  try {
    for await (const chunk of source) {
      if (parser.destroyed) return;
      flow.fed += chunk.byteLength;
      flow.check();
      if (!extract.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            extract.off('drain', done);
            extract.off('close', done);
            resolve();
          };
          extract.on('drain', done);
          extract.on('close', done);
        });
        if (parser.destroyed) return;
      }
    }
    extract.end(null);
  } catch (error) {
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
