/**
 * Cookie persistence and server-selection rules in a running Switchyard
 * (docs/cookie-persistence.md), for what the differential test
 * (test/compat/http/cookie-persistence.test.ts) does not show: a client
 * following the cookies it is given over keep-alive connections, the
 * persistence reading headers rewritten by http-request rules, the dynamic
 * cookie of each server, and the retry policy of a server chosen by cookie.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpExchange } from '../../helpers/clients.js';
import { header, headerValues, type HeaderList } from '../../helpers/h1-messages.js';
import { httpOrigin, type HttpOrigin, type OriginReply, type RecordedRequest } from '../../helpers/origins.js';
import { freePort, startProxy, type RunningProxy } from '../../helpers/processes.js';
import { dynamicCookie } from '../../../src/http/cookie-persistence.js';

function respond(req: RecordedRequest, o: { name: string }): OriginReply {
  const headers: HeaderList = [];
  const set = header(req.headers, 'x-set');
  if (set !== undefined) headers.push(['Set-Cookie', set]);
  return { headers, body: `${o.name}|${header(req.headers, 'cookie') ?? ''}` };
}

const CONFIG = `
defaults
  mode http
  timeout connect 300ms
  timeout client 2s
  timeout server 2s

listen ins
  bind \${ADDR:ins}
  cookie SRVID insert indirect nocache
  server a \${A} cookie a
  server b \${B} cookie b

listen pfx
  bind \${ADDR:pfx}
  cookie JSESSIONID prefix
  server a \${A} cookie a
  server b \${B} cookie b

listen rules
  bind \${ADDR:rules}
  http-request set-header Cookie SRVID=b if { path /forced }
  cookie SRVID insert indirect
  server a \${A} cookie a
  server b \${B} cookie b

listen dyn
  bind \${ADDR:dyn}
  cookie SRVID insert dynamic
  dynamic-cookie-key s3cr3t
  server a \${A}
  server b \${B}

listen retry
  bind \${ADDR:retry}
  option redispatch
  retries 2
  cookie SRVID insert indirect
  server dead 127.0.0.1:\${DEAD} cookie d
  server b \${B} cookie b
`;

const get = (path: string, headers: Record<string, string> = {}): { path: string; headers: Record<string, string> } => ({ path, headers });

describe('cookie persistence in Switchyard', () => {
  let a: HttpOrigin;
  let b: HttpOrigin;
  let proxy: RunningProxy;
  before(async () => {
    a = await httpOrigin({ name: 'a', respond });
    b = await httpOrigin({ name: 'b', respond });
    proxy = await startProxy('switchyard', CONFIG, { vars: { A: a.addr, B: b.addr, DEAD: String(await freePort()) } });
  });
  after(async () => {
    await proxy?.stop();
    await a?.close();
    await b?.close();
  });

  it('a client that keeps the inserted cookie stays on its server over keep-alive', async () => {
    const port = proxy.ports['ins']!;
    const first = await httpExchange(port, [get('/first')], { idleMs: 300 });
    const setCookie = header(first.responses[0]!.headers, 'set-cookie') ?? '';
    const m = /^SRVID=([ab]); path=\/$/.exec(setCookie);
    assert.ok(m, setCookie);
    const server = m[1]!;
    const follow = await httpExchange(port, Array.from({ length: 6 }, (_, i) => get(`/n${i}`, { Cookie: `SRVID=${server}; app=1` })), { idleMs: 300 });
    assert.equal(follow.responses.length, 6);
    for (const r of follow.responses) {
      // indirect: the server sees only the application's cookie; no new Set-Cookie.
      assert.equal(r.body.toString(), `${server}|app=1`);
      assert.equal(header(r.headers, 'set-cookie'), undefined);
    }
  });

  it('prefix mode round-trips the application cookie', async () => {
    const port = proxy.ports['pfx']!;
    const r1 = await httpExchange(port, [get('/login', { 'X-Set': 'JSESSIONID=abc; path=/' })], { idleMs: 300 });
    const sc = header(r1.responses[0]!.headers, 'set-cookie') ?? '';
    const m = /^JSESSIONID=([ab])~abc; path=\/$/.exec(sc);
    assert.ok(m, sc);
    const r2 = await httpExchange(port, [get('/next', { Cookie: `JSESSIONID=${m[1]}~abc` })], { idleMs: 300 });
    assert.equal(r2.responses[0]!.body.toString(), `${m[1]}|JSESSIONID=abc`);
  });

  it('persistence reads the Cookie header as http-request rules left it', async () => {
    const port = proxy.ports['rules']!;
    const r = await httpExchange(port, [get('/forced', { Cookie: 'SRVID=a' }), get('/forced'), get('/other', { Cookie: 'SRVID=a' })], { idleMs: 300 });
    assert.deepEqual(r.responses.map((x) => x.body.toString()), ['b|', 'b|', 'a|']);
  });

  it('dynamic cookies are the hash of key, address and port', async () => {
    const port = proxy.ports['dyn']!;
    const r = await httpExchange(port, [get('/1'), get('/2')], { idleMs: 300 });
    const got = r.responses.flatMap((x) => headerValues(x.headers, 'set-cookie')).sort();
    const want = [a, b].map((o) => `SRVID=${dynamicCookie('s3cr3t', 'ipv4', '127.0.0.1', o.port)}; path=/`).sort();
    assert.deepEqual(got, want);
  });

  it('a server chosen by cookie is retried before the stream is redispatched', async () => {
    const port = proxy.ports['retry']!;
    const t0 = Date.now();
    const r = await httpExchange(port, [get('/x', { Cookie: 'SRVID=d' })], { idleMs: 1500 });
    const elapsed = Date.now() - t0;
    // backend.c: SF_DIRECT streams wait the turn-around (min(timeout connect, 1s)) and retry the
    // same server; the last retry redispatches, and the new server's cookie is inserted.
    assert.ok(elapsed >= 250, `answered after ${elapsed} ms`);
    assert.equal(r.responses[0]!.body.toString(), 'b|');
    assert.equal(header(r.responses[0]!.headers, 'set-cookie'), 'SRVID=b; path=/');
  });
});
