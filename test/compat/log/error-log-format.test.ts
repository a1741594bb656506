/**
 * `error-log-format` (configuration.txt §4.2; haproxy 2.6 has it) and the
 * connection-error lines, compared with haproxy 2.6: a connection refused
 * for its PROXY header is logged with the error format when there is one
 * (flags PR, no server, status 0, `<BADREQ>` in HTTP), else with the fixed
 * `ip:port [date] fe/listener: reason` text, and in TCP it gets no stream
 * line besides; a request the H1 mux refuses (garbage, a client closing in
 * the middle of its head) is logged with the error format and the flags CR,
 * or with the log-format and PR-- / CR-- without one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bothMasked, exchange, maskTimer, sleep } from './log-helpers.js';

const fe = (name: string, mode: string, opts: string, port: string): string => `frontend ${name}
  mode ${mode}
  option ${mode}log
  bind \${ADDR:${port}}${opts}
  default_backend b${mode}
`;

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
defaults
  log global
  timeout connect 1s
  timeout client 2s
  timeout server 2s
${fe('ft', 'tcp', ' accept-proxy', 'ft')}  error-log-format "ERR %ci:%cp [%t] %f %ft %b/%s %ts T=%Tt/%Tw B=%B U=%U %ac/%fc %[fc_err] %{+Q}[fc_err_str]"
${fe('fh', 'http', ' accept-proxy', 'fh')}  error-log-format "ERR %ci:%cp %f %b/%s %ts %tsc T=%Tt/%TR/%Tw B=%B U=%U %[fc_err] %ST %{+Q}r"
${fe('fx', 'http', '', 'fx')}  error-log-format "ERR %ci %f %tsc %ST %{+Q}r"
${fe('pt', 'tcp', ' accept-proxy', 'pt')}${fe('ph', 'http', ' accept-proxy', 'ph')}${fe('px', 'http', '', 'px')}backend btcp
  mode tcp
  server s1 127.0.0.1:1
backend bhttp
  mode http
  server s1 127.0.0.1:1
`;

const maskT = (l: string): string => l.replace(/T=([-\d/]+)/, (_m, g: string) => `T=${g.split('/').map(maskTimer).join('/')}`);

test('error-log-format and connection-error lines as haproxy', async () => {
  const r = await bothMasked(CONFIG, async (p) => {
    const proxied = 'PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\nGARBAGE\r\n\r\n';
    for (const name of ['ft', 'fh', 'pt', 'ph']) {
      await exchange(p.ports[name]!, 'GARBAGE\r\n\r\n');
      await sleep(30);
    }
    for (const name of ['fh', 'ph']) {
      await exchange(p.ports[name]!, proxied);
      await sleep(30);
    }
    for (const name of ['fx', 'px']) {
      await exchange(p.ports[name]!, 'GARBAGE\r\n\r\n');
      await sleep(30);
      await exchange(p.ports[name]!, 'GET / HTTP/1.1\r\nHost: x\r\n', { endAfterMs: 50 });
      await sleep(30);
    }
  });
  const h = r.haproxy.map(maskT);
  const s = r.switchyard.map(maskT);
  assert.equal(h.length, 10, JSON.stringify(h, null, 1));
  for (let i = 0; i < h.length; i++) assert.equal(s[i], h[i], `line ${i}`);
  assert.match(h[0]!, /ERR 127\.0\.0\.1:P \[T\] ft ft ft\/<NOSRV> PR T=N\/-1 B=0 U=0 1\/1 14 "Truncated PROXY protocol header received"/);
  assert.match(h[7]!, /ERR 127\.0\.0\.1 fx CR-- 400 "<BADREQ>"/);
});
