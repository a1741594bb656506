/**
 * `option httplog` lines (configuration.txt §8.2.3) sent over UDP syslog,
 * compared with haproxy 2.6 (dates, pids, ports and timer values masked):
 * a 200 with a request header capture, a 404 from the origin, a request
 * the parser refuses (`<BADREQ>`, PR), a deny (PR), a redirect (LR), a 503
 * without a usable server, a 504 server timeout (sH), cookie persistence
 * flags, a response header capture, `monitor-uri` requests (never logged),
 * and keep-alive (one line per transaction).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpOrigin } from '../../helpers/origins.js';
import { bothMasked, exchange, sleep } from './log-helpers.js';

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  capture request header Host len 20
  capture response header Content-Type len 12
  monitor-uri /health
  http-request deny if { path /deny }
  http-request redirect location /there if { path /redir }
  use_backend dead if { path /nosrv }
  use_backend slow if { path /slow }
  use_backend ck if { path /cookie }
  default_backend be
backend be
  server s1 \${ORIGIN}
backend dead
  server s1 \${ORIGIN} disabled
backend slow
  timeout server 300ms
  server s1 \${ORIGIN}
backend ck
  cookie SRV insert indirect nocache
  server s1 \${ORIGIN} cookie a
`;

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x.example\r\nConnection: close\r\n\r\n`;

test('httplog: 200, 404, <BADREQ>, deny, redirect, 503, 504, cookie flags', async () => {
  const origin = await httpOrigin({
    respond: (req) => (req.target === '/404' ? { status: 404, body: 'nope' } : req.target === '/slow' ? 'hang' : { body: 'ok' }),
  });
  try {
    const r = await bothMasked(CONFIG, async (p) => {
      const port = p.ports['fe']!;
      for (const path of ['/health', '/', '/404', '/deny', '/redir', '/nosrv', '/slow', '/cookie']) {
        await exchange(port, get(path));
        // Let the previous connection finish on both sides: %ac/%fc count the open ones.
        await sleep(50);
      }
      await exchange(port, 'GARBAGE\r\n\r\n');
    }, { ORIGIN: origin.addr });
    assert.equal(r.haproxy.length, 8, JSON.stringify(r.haproxy, null, 1));
    for (let i = 0; i < r.haproxy.length; i++) assert.equal(r.switchyard[i], r.haproxy[i], `line ${i}`);
  } finally {
    await origin.close();
  }
});

test('httplog: keep-alive gives one line per transaction', async () => {
  const origin = await httpOrigin();
  try {
    const two = `GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n`;
    const r = await bothMasked(CONFIG, async (p) => {
      await exchange(p.ports['fe']!, two);
    }, { ORIGIN: origin.addr });
    assert.equal(r.haproxy.length, 2, JSON.stringify(r.haproxy));
    assert.deepEqual(r.switchyard, r.haproxy);
  } finally {
    await origin.close();
  }
});
