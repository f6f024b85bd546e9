/**
 * Raw HTTP on loopback, for requests no HTTP client would send: write bytes (all at once, or
 * slowly), read until the server closes or a deadline passes, and judge the answer the way a
 * registry client would (registry error JSON, or a closed connection).
 */
import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server sent. */
  response: string;
  /** Whether the server closed the connection before the deadline. */
  closed: boolean;
  ms: number;
}

/** Sends `pieces` to 127.0.0.1:`port`, `gapMs` apart, and reads until close or `deadlineMs`. */
export function rawExchange(
  port: number,
  pieces: Array<string | Uint8Array>,
  options: { gapMs?: number; deadlineMs?: number } = {},
): Promise<RawExchange> {
  const deadlineMs = options.deadlineMs ?? 5000;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed, ms: performance.now() - started });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      pieces.forEach((piece, i) => {
        timers.push(setTimeout(() => socket.writable && socket.write(piece), (options.gapMs ?? 0) * i));
      });
    });
    timers.push(setTimeout(() => finish(false), deadlineMs));
  });
}

/**
 * undefined when the answer is acceptable for a malformed request: an HTTP response whose error
 * statuses carry a registry error JSON, or a connection closed without a word; else what is wrong.
 */
export function judgeAnswer(exchange: RawExchange): string | undefined {
  if (exchange.response === '') return exchange.closed ? undefined : 'no answer and the connection stayed open';
  const responses = exchange.response.split(/(?=HTTP\/1\.1 \d{3} )/).filter((r) => r !== '');
  for (const response of responses) {
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(response);
    if (!status) return `not an HTTP response: ${JSON.stringify(response.slice(0, 80))}`;
    if (Number(status[1]) < 400) continue;
    const body = response.slice(response.indexOf('\r\n\r\n') + 4);
    if (/transfer-encoding: chunked/i.test(response)) continue; // a handler answer, already JSON
    // The answer to a HEAD: the registry's headers (JSON content type) without the body.
    if (body === '' && /\r\ncontent-type: application\/json\r\n/i.test(response)) continue;
    try {
      const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown }> };
      if (!Array.isArray(parsed.errors) || typeof parsed.errors[0]?.code !== 'string')
        return `no registry error in ${body.slice(0, 80)}`;
    } catch {
      return `status ${status[1]} without a registry error JSON: ${JSON.stringify(response.slice(0, 120))}`;
    }
  }
  return undefined;
}
