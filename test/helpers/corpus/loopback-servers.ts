/**
 * The servers corpus clients talk to, on the host's loopback (clients run with the host's network):
 * an HTTPS server whose certificate the corpus CA signed (test/corpus/tls), a DNS server answering
 * A queries over UDP, and a PostgreSQL wire-protocol server that answers a simple query with the
 * query's own text (so a client's result proves the round trip). Their addresses fill the
 * `{{https}}`, `{{dns_port}}` and `{{pg_port}}` placeholders of smoke steps.
 */
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const HTTPS_BODY = 'hello from the pith corpus over https\n';
export const DNS_ANSWER = [192, 0, 2, 7];

export interface LoopbackServers {
  placeholders: Record<string, string>;
  close(): Promise<void>;
}

export async function startLoopbackServers(tlsDir: string): Promise<LoopbackServers> {
  const https = createHttpsServer(
    { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.crt')) },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(HTTPS_BODY);
    },
  );
  const pg = createTcpServer(servePostgres);
  const dns = createSocket('udp4');
  dns.on('message', (msg, peer) => {
    const reply = dnsReply(msg);
    if (reply) dns.send(reply, peer.port, peer.address);
  });
  const httpsPort = await listen(https);
  const pgPort = await listen(pg);
  const dnsPort = await new Promise<number>((resolve) => dns.bind(0, '127.0.0.1', () => resolve(dns.address().port)));
  return {
    placeholders: { https: `https://127.0.0.1:${httpsPort}/`, pg_port: String(pgPort), dns_port: String(dnsPort) },
    close: async () => {
      https.closeAllConnections();
      await Promise.all([close(https), close(pg), closeUdp(dns)]);
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const closeUdp = (socket: UdpSocket) => new Promise<void>((resolve) => socket.close(() => resolve()));

/** An A record (192.0.2.7, TTL 60) for any A question; other types get an empty answer. */
export function dnsReply(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  let at = 12;
  while (at < query.length && query[at] !== 0) at += query[at]! + 1;
  const questionEnd = at + 5; // zero label, QTYPE, QCLASS
  if (questionEnd > query.length) return undefined;
  const isA = query.readUInt16BE(at + 1) === 1;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // ID
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100), 2); // QR, AA, RD copied
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(isA ? 1 : 0, 6);
  const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...DNS_ANSWER]);
  return Buffer.concat([header, query.subarray(12, questionEnd), isA ? answer : Buffer.alloc(0)]);
}

/** PostgreSQL protocol 3.0, trust authentication, one text column per simple query. */
function servePostgres(socket: Socket): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerLength = started ? 5 : 4;
      if (buffer.length < headerLength) return;
      const length = started ? buffer.readUInt32BE(1) + 1 : buffer.readUInt32BE(0);
      if (length > 1 << 20) return void socket.destroy();
      if (buffer.length < length) return;
      const message = buffer.subarray(0, length);
      buffer = buffer.subarray(length);
      if (!started) started = startup(socket, message);
      else if (!answer(socket, message)) return;
    }
  });
}

/** Handles SSLRequest/GSSENCRequest (declined) and the startup packet; true once started. */
function startup(socket: Socket, message: Buffer): boolean {
  const code = message.readUInt32BE(4);
  if (code === 80877103 || code === 80877104) {
    socket.write('N');
    return false;
  }
  const params: Array<[string, string]> = [
    ['server_version', '15.0'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
  ];
  socket.write(
    Buffer.concat([
      pgMessage('R', int32(0)),
      ...params.map(([k, v]) => pgMessage('S', cstr(k), cstr(v))),
      pgMessage('K', int32(process.pid), int32(1)),
      pgMessage('Z', Buffer.from('I')),
    ]),
  );
  return true;
}

/** Answers 'Q' with one row holding the query text; false after 'X' (terminate). */
function answer(socket: Socket, message: Buffer): boolean {
  const type = String.fromCharCode(message[0]!);
  if (type === 'X') {
    socket.end();
    return false;
  }
  if (type !== 'Q') {
    socket.write(
      Buffer.concat([
        pgMessage('E', Buffer.from('SERROR\0C0A000\0Monly simple queries\0\0')),
        pgMessage('Z', Buffer.from('I')),
      ]),
    );
    return true;
  }
  const query = message.subarray(5, message.length - 1).toString('utf8');
  const value = Buffer.from(`pith corpus pg: ${query}`);
  const field = Buffer.concat([cstr('answer'), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]);
  socket.write(
    Buffer.concat([
      pgMessage('T', int16(1), field),
      pgMessage('D', int16(1), int32(value.length), value),
      pgMessage('C', cstr('SELECT 1')),
      pgMessage('Z', Buffer.from('I')),
    ]),
  );
  return true;
}

function pgMessage(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`);
