/**
 * Hand-crafted .debs, including malformed and malicious ones that dpkg-deb would refuse to build:
 * the ar container is written here byte by byte, the tar members by Python's tarfile module (an
 * implementation independent of the tar-stream parser under test).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './deb-tools.js';

export interface ArMemberSpec {
  name: string;
  data: Uint8Array | string;
}

/** How member names are written: plain (dpkg), GNU ("name/" and a "//" table), or BSD ("#1/len"). */
export type ArNameStyle = 'plain' | 'gnu' | 'gnu-table' | 'bsd';

const encoder = new TextEncoder();
const bytes = (data: Uint8Array | string) => (typeof data === 'string' ? encoder.encode(data) : data);

function arHeader(name: string, size: number): Uint8Array {
  const pad = (text: string, width: number) => {
    if (text.length > width) throw new Error(`ar field too long: ${text}`);
    return text + ' '.repeat(width - text.length);
  };
  const header =
    pad(name, 16) + pad('0', 12) + pad('0', 6) + pad('0', 6) + pad('100644', 8) + pad(String(size), 10) + '`\n';
  return encoder.encode(header);
}

export function writeAr(members: ArMemberSpec[], style: ArNameStyle = 'plain'): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode('!<arch>\n')];
  const push = (header: Uint8Array, data: Uint8Array) => {
    parts.push(header, data);
    if (data.byteLength % 2 === 1) parts.push(encoder.encode('\n'));
  };
  let table = '';
  const tableOffsets = new Map<string, number>();
  if (style === 'gnu-table') {
    for (const member of members) {
      tableOffsets.set(member.name, table.length);
      table += `${member.name}/\n`;
    }
    push(arHeader('//', table.length), encoder.encode(table));
  }
  for (const member of members) {
    const data = bytes(member.data);
    if (style === 'plain') push(arHeader(member.name, data.byteLength), data);
    else if (style === 'gnu') push(arHeader(`${member.name}/`, data.byteLength), data);
    else if (style === 'gnu-table') push(arHeader(`/${tableOffsets.get(member.name)}`, data.byteLength), data);
    else {
      const name = encoder.encode(member.name);
      const body = new Uint8Array(name.byteLength + data.byteLength);
      body.set(name);
      body.set(data, name.byteLength);
      push(arHeader(`#1/${name.byteLength}`, body.byteLength), body);
    }
  }
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'chardev';
  mode?: number;
  uid?: number;
  gid?: number;
  data?: string;
  linkname?: string;
}

/** Python tarfile write modes: '' plain, 'gz', 'xz', 'bz2'. */
export type TarCompression = '' | 'gz' | 'xz' | 'bz2';

const PYTHON_TAR = `
import io, json, sys, tarfile
spec = json.load(sys.stdin)
out = io.BytesIO()
kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE,
         'hardlink': tarfile.LNKTYPE, 'fifo': tarfile.FIFOTYPE, 'chardev': tarfile.CHRTYPE}
mode = 'w:' + spec['compression'] if spec['compression'] else 'w'
fmt = tarfile.PAX_FORMAT if spec['format'] == 'pax' else tarfile.GNU_FORMAT
with tarfile.open(fileobj=out, mode=mode, format=fmt) as tar:
    for e in spec['entries']:
        info = tarfile.TarInfo(e['name'])
        info.type = kinds[e.get('type', 'file')]
        info.mode = e.get('mode', 0o644)
        info.uid = e.get('uid', 0)
        info.gid = e.get('gid', 0)
        info.mtime = 0
        info.linkname = e.get('linkname', '')
        data = e.get('data', '').encode() if info.type == tarfile.REGTYPE else b''
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data) if data else None)
sys.stdout.buffer.write(out.getvalue())
`;

/** The system interpreter when present: version-manager shims cost ~0.3 s per start. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** GNU format uses ././@LongLink records for long names; PAX format uses extended headers. */
export function pythonTar(
  entries: TarEntrySpec[],
  compression: TarCompression = '',
  format: 'gnu' | 'pax' = 'gnu',
): Uint8Array {
  return run(PYTHON, ['-c', PYTHON_TAR], { input: encoder.encode(JSON.stringify({ entries, compression, format })) });
}

export const MINIMAL_CONTROL =
  'Package: crafted\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: crafted\n';

export interface CraftOptions {
  data: TarEntrySpec[];
  dataCompression?: TarCompression;
  dataFormat?: 'gnu' | 'pax';
  /** Overrides the data member's name (e.g. "data.tar.lzma"); default from the compression. */
  dataMemberName?: string;
  debianBinary?: string;
  control?: string;
  style?: ArNameStyle;
  /** Members placed first instead of debian-binary (for layout errors). */
  members?: ArMemberSpec[];
}

export function craftDebBytes(options: CraftOptions): Uint8Array {
  const compression = options.dataCompression ?? '';
  const members: ArMemberSpec[] = options.members ?? [
    { name: 'debian-binary', data: options.debianBinary ?? '2.0\n' },
    {
      name: 'control.tar.gz',
      data: pythonTar(
        [
          { name: './', type: 'dir', mode: 0o755 },
          { name: './control', data: options.control ?? MINIMAL_CONTROL },
        ],
        'gz',
      ),
    },
    {
      name: options.dataMemberName ?? (compression ? `data.tar.${compression}` : 'data.tar'),
      data: pythonTar(options.data, compression, options.dataFormat),
    },
  ];
  return writeAr(members, options.style ?? 'plain');
}

/** Writes a crafted .deb to a fresh temp dir and returns its path. */
export function craftDeb(options: CraftOptions, fileName = 'crafted.deb'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pith-deb-craft-')), fileName);
  writeFileSync(path, craftDebBytes(options));
  return path;
}
