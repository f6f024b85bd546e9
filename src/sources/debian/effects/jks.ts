/**
 * A Java KeyStore (JKS) of trusted certificates, the format Debian 12's ca-certificates-java writes
 * to /etc/ssl/certs/java/cacerts (its jar calls KeyStore.getInstance("JKS"); a PKCS12 store left
 * by a newer version is converted back to JKS by its postinst) and every Java since 1.2 reads:
 *
 *   u32 0xFEEDFEED, u32 version 2, u32 entry count, then per entry:
 *     u32 2 (trusted certificate), UTF alias, u64 creation time (ms), UTF "X.509", u32 length, DER
 *   then SHA-1 over (the password as UTF-16BE, "Mighty Aphrodite", everything before).
 *
 * UTF is Java's DataOutput.writeUTF: a u16 byte length then modified UTF-8.
 * Entries are written in alias order and all carry the same time, so the bytes are reproducible.
 */
import { createHash } from 'node:crypto';
import { compareBytes } from '../../../byte-order.js';

export interface TrustedCertificate {
  alias: string;
  der: Uint8Array;
}

export const DEFAULT_STORE_PASSWORD = 'changeit';

export function jksTrustStore(
  certificates: readonly TrustedCertificate[],
  createdMs: number,
  password = DEFAULT_STORE_PASSWORD,
): Uint8Array {
  const sorted = [...certificates].sort((a, b) => compareBytes(a.alias, b.alias));
  const parts: Buffer[] = [u32(0xfeedfeed), u32(2), u32(sorted.length)];
  for (const cert of sorted) {
    parts.push(u32(2), utf(cert.alias), u64(createdMs), utf('X.509'), u32(cert.der.byteLength), Buffer.from(cert.der));
  }
  const body = Buffer.concat(parts);
  const key = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) key.writeUInt16BE(password.charCodeAt(i), i * 2);
  const digest = createHash('sha1').update(key).update('Mighty Aphrodite', 'utf8').update(body).digest();
  const out = Buffer.concat([body, digest]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The DER bytes of the first PEM certificate in a file, or undefined when there is none. */
export function firstPemCertificate(text: string): Uint8Array | undefined {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  if (!m) return undefined;
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  // A DER certificate is a SEQUENCE (0x30); anything else is not one.
  return der.byteLength > 0 && der[0] === 0x30 ? new Uint8Array(der) : undefined;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Java's modified UTF-8 (DataOutput.writeUTF): UTF-16 code units, NUL as two bytes, u16 length first. */
function utf(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > 0xffff) throw new Error('alias too long for a key store');
  return Buffer.from([bytes.length >> 8, bytes.length & 0xff, ...bytes]);
}
