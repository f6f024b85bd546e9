// An HTTP server using a few builtins: crypto (OpenSSL), a temporary file, the URL parser.
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const server = http.createServer((req, res) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
  fs.writeFileSync(path.join(tmp, 'x'), 'x');
  const sha = crypto.createHash('sha256').update(fs.readFileSync(path.join(tmp, 'x'))).digest('hex').slice(0, 8);
  fs.rmSync(tmp, { recursive: true });
  const name = new URL(req.url, 'http://localhost').searchParams.get('name');
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello ${name} from node ${process.version}, sha256(x) ${sha}\n`);
});
server.listen(8080, '127.0.0.1', () => console.log('listening on 8080'));
process.on('SIGTERM', () => server.close());
