import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './cli.js';

/**
 * A CA only the test knows (`dir/ca.crt`, named `caName`) and a server certificate it signed for
 * localhost and 127.0.0.1 (`dir/srv.crt`, key `dir/srv.key`), valid two days: what TLS tests put
 * in an image's trust store and serve from a loopback server.
 */
export function makeTestCa(dir: string, caName: string): void {
  const openssl = (args: string[]) => sh('openssl', args, { cwd: dir });
  const days = ['-days', '2'];
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    ...days,
    '-subj',
    `/CN=${caName}`,
  ]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const signing = [
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'srv.crt',
    ...days,
    '-extfile',
    'san.ext',
  ];
  openssl(['x509', '-req', '-in', 'srv.csr', ...signing]);
}

/** `openssl s_server -www` on `port` with makeTestCa's server certificate; give it ~1 s to listen. */
export function startTlsServer(dir: string, port: number): ChildProcess {
  const args = ['s_server', '-quiet', '-www', '-accept', String(port)];
  return spawn('openssl', [...args, '-cert', join(dir, 'srv.crt'), '-key', join(dir, 'srv.key')], { stdio: 'ignore' });
}
