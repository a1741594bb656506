/**
 * `capture cookie <name> len <n>` (configuration.txt §4.2) and the %CC / %CS
 * fields of `option httplog`, compared with haproxy 2.6 line for line: the
 * name is a case-sensitive prefix ('=' included when written), blanks
 * around '=' are dropped, request cookies split on ';' and ',', only the
 * first cookie of each Set-Cookie counts, the length cut (63 at most),
 * rules that rewrite the Cookie header before the capture, deny and the
 * other rule replies, http-response rules, keep-alive transactions and
 * cookie persistence (the capture sees the cookie before it is stripped).
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
  capture cookie SESS len 10
  http-request deny if { path /deny }
  http-request return status 200 if { path /ret }
  http-request redirect location /x if { path /redir }
  http-request set-header cookie SESSRULE=1 if { path /rule }
  http-response set-header set-cookie SESSRES=9 if { status 201 }
  http-response deny if { status 202 }
  use_backend ck if { path /ck }
  default_backend be
frontend fe2
  bind \${ADDR:fe2}
  capture cookie S= len 100
  default_backend be
backend be
  server s1 \${ORIGIN}
backend ck
  cookie SESSSRV insert indirect nocache
  server s1 \${ORIGIN} cookie a
`;

const RESPONSES: Record<string, Record<string, string> | [string, string][]> = {
  '/sc1': { 'Set-Cookie': 'SESSX=1; path=/' },
  '/sc2': [['Set-Cookie', 'other=1'], ['Set-Cookie', 'SESSY=abcdefghijklmnop; path=/']],
  '/sc3': { 'Set-Cookie': 'a=1, SESSZ=2' },
  '/sc4': { 'Set-Cookie': `S=${'v'.repeat(80)}` },
  '/sc5': { 'Set-Cookie': ' SESSW = 5 ; path=/' },
};

const req = (path: string, cookie: string[] = [], close = true): string =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${cookie.map((c) => `Cookie: ${c}\r\n`).join('')}${close ? 'Connection: close\r\n' : ''}\r\n`;

test('capture cookie: %CC and %CS as haproxy', async () => {
  const origin = await httpOrigin({
    respond: (r) => {
      const path = r.target;
      if (path === '/st201') return { status: 201, body: 'ok' };
      if (path === '/st202') return { status: 202, headers: { 'Set-Cookie': 'SESSQ=1' }, body: 'ok' };
      const h = RESPONSES[path];
      return h === undefined ? { body: 'ok' } : { headers: h, body: 'ok' };
    },
  });
  try {
    const r = await bothMasked(CONFIG, async (p) => {
      const fe = p.ports['fe']!;
      const fe2 = p.ports['fe2']!;
      const cases: [number, string][] = [
        [fe, req('/a', ['a=1; SESSID=abcdefghijkl; SESS2=x'])],
        [fe, req('/none')],
        [fe, req('/sc1')],
        [fe, req('/sc2', ['SESS=1'])],
        [fe, req('/sc3')],
        [fe, req('/sc5')],
        [fe, req('/c', [' a=1 ;  SESSA = v w ; b=2'])],
        [fe, req('/d', ['a=1', 'SESSB=2, SESSC=3'])],
        [fe, req('/lower', ['sessx=1; Sess=2'])],
        [fe, req('/noeq', ['SESS'])],
        [fe, req('/deny', ['SESSD=1'])],
        [fe, req('/ret', ['SESSR=1'])],
        [fe, req('/redir', ['SESSR=2'])],
        [fe, req('/rule', ['SESSE=1'])],
        [fe, req('/st201')],
        [fe, req('/st202', ['SESSP=1'])],
        [fe, req('/ck', ['SESSSRV=a; SESSO=1'])],
        [fe, req('/ck')],
        [fe, req('/ka1', ['SESSK=1'], false) + req('/ka2')],
        [fe2, req('/sc4', [`S=${'1234567890'.repeat(9)}`])],
        [fe2, req('/g', ['SX=1; S=2'])],
      ];
      for (const [port, bytes] of cases) {
        await exchange(port, bytes);
        await sleep(30);
      }
    }, { ORIGIN: origin.addr });
    assert.equal(r.haproxy.length, 22, JSON.stringify(r.haproxy, null, 1));
    for (let i = 0; i < r.haproxy.length; i++) assert.equal(r.switchyard[i], r.haproxy[i], `line ${i}`);
    // A few of haproxy's own values, so that the expectations are visible here.
    assert.match(r.haproxy[0]!, / SESSID=abc - ---- /);
    assert.match(r.haproxy[6]!, / SESSA=v w - ---- /);
    assert.match(r.haproxy[10]!, / SESSD=1 - PR-- /);
  } finally {
    await origin.close();
  }
});
