/**
 * A one-shot TCP client run by container.ts under `nsenter --net=...`, i.e. from the host inside a
 * container's network namespace: `net-probe.js PORT SEND_HEX EXPECT_REGEX_HEX TIMEOUT_MS`
 * (hex, so that any byte survives argv).
 * Connects to 127.0.0.1:PORT, writes the bytes, reads until the reply (latin1) matches the regex.
 * Exit 0 and the reply on stdout when it matches; 3 when the connection is refused (nothing
 * listening yet: the caller retries); 1 otherwise, with the reason on stderr.
 */
import { connect } from 'node:net';

const [portArg, sendHex, expectHex, timeoutArg] = process.argv.slice(2);
const expect = new RegExp(Buffer.from(expectHex ?? '', 'hex').toString('utf8'));
const socket = connect({ host: '127.0.0.1', port: Number(portArg) });
let reply = '';
let done = false;

const finish = (code: number, message?: string) => {
  if (done) return;
  done = true;
  if (message) process.stderr.write(`${message}\n`);
  if (code === 0) process.stdout.write(reply);
  socket.destroy();
  process.exitCode = code;
};
const shown = () => JSON.stringify(reply.slice(0, 200));

socket.setTimeout(Number(timeoutArg ?? 5_000), () =>
  finish(1, `port ${portArg}: no reply matching /${expect.source}/ in time; got ${shown()}`),
);
socket.on('connect', () => {
  if (sendHex) socket.write(Buffer.from(sendHex, 'hex'));
  if (expect.test(reply)) finish(0);
});
socket.on('data', (chunk: Buffer) => {
  reply += chunk.toString('latin1');
  if (expect.test(reply)) finish(0);
});
socket.on('end', () =>
  finish(
    expect.test(reply) ? 0 : 1,
    `port ${portArg}: connection closed; reply ${shown()} does not match /${expect.source}/`,
  ),
);
socket.on('error', (e: NodeJS.ErrnoException) =>
  finish(e.code === 'ECONNREFUSED' ? 3 : 1, `port ${portArg}: ${e.message}`),
);
