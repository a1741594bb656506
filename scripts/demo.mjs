#!/usr/bin/env node
// `npm start`: two demo backends on 127.0.0.1:9001/9002, then Switchyard on
// 127.0.0.1:8080 with examples/demo.cfg, printed first. Ctrl-C stops all.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const cfg = `${root}examples/demo.cfg`;

function backend(name, port) {
  const server = createServer((req, res) => {
    const body = `Hello from ${name} (127.0.0.1:${port}) - you asked for ${req.method} ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-served-by': name });
    res.end(body);
  });
  // Each demo request ends its connection so that successive curl calls show the balancing.
  server.keepAliveTimeout = 1;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const servers = await Promise.all([backend('app1', 9001), backend('app2', 9002)]).catch((err) => {
  console.error(`demo: cannot start the demo backends: ${err.message}`);
  process.exit(1);
});

console.log('--- examples/demo.cfg ---------------------------------------------');
console.log(readFileSync(cfg, 'utf8'));
console.log('-------------------------------------------------------------------');
console.log('Switchyard listens on http://127.0.0.1:8080/  (try: curl -s http://127.0.0.1:8080/)');
console.log('Ctrl-C stops the demo.\n');

const proxy = spawn(process.execPath, [`${root}bin/switchyard.js`, '-db', '-f', cfg], { stdio: 'inherit' });
const stop = () => proxy.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
proxy.on('exit', (code) => {
  for (const s of servers) s.close();
  process.exit(code ?? 0);
});
