/**
 * mode http through the runtime: keep-alive, pipelining, chunked bodies both
 * ways, 100-continue, error statuses, forwardfor, use_backend on HTTP fetches,
 * header rules and redirects. Real origins on port 0, raw-socket clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadConfigText } from '../../helpers/load-config.js';
import { start, type Started } from '../../helpers/model-builder.js';
import { httpOrigin, type HttpOrigin } from '../../helpers/origins.js';
import { httpExchange, rawExchange } from '../../helpers/clients.js';
import { header } from '../../helpers/h1-messages.js';
import { freePort } from '../../helpers/processes.js';

async function proxyFor(cfg: string): Promise<Started> {
  let text = cfg;
  while (text.includes('bind 127.0.0.1:0')) text = text.replace('bind 127.0.0.1:0', `bind 127.0.0.1:${await freePort()}`);
  const r = loadConfigText(text);
  assert.deepEqual(r.alerts, []);
  return start(r.model);
}

function basic(o: HttpOrigin, extra: string[] = [], defaults: string[] = []): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 2s',
    '  timeout server 2s',
    ...defaults.map((l) => `  ${l}`),
    'listen li',
    '  bind 127.0.0.1:0',
    ...extra.map((l) => `  ${l}`),
    `  server s1 127.0.0.1:${o.port}`,
    '',
  ].join('\n');
}

async function withProxy(o: HttpOrigin, cfg: string, fn: (p: Started) => Promise<void>): Promise<void> {
  const p = await proxyFor(cfg);
  try {
    await fn(p);
  } finally {
    await p.stop();
    await o.close();
  }
}

test('keep-alive: three requests on one client connection, one server connection', async () => {
  const o = await httpOrigin({ name: 'o1' });
  await withProxy(o, basic(o), async (p) => {
    const r = await httpExchange(p.port('li'), [{ path: '/a' }, { path: '/b' }, { path: '/c' }]);
    assert.equal(r.responses.length, 3);
    for (const x of r.responses) {
      assert.equal(x.status, 200);
      assert.equal(x.body.toString(), 'o1');
    }
    assert.deepEqual(o.requests.map((q) => q.target), ['/a', '/b', '/c']);
    assert.equal(new Set(o.requests.map((q) => q.connection)).size, 1);
  });
});

test('pipelining: requests answered in order', async () => {
  const o = await httpOrigin({ respond: (req) => ({ body: `r${req.target}`, delayMs: req.target === '/1' ? 50 : 0 }) });
  await withProxy(o, basic(o), async (p) => {
    const r = await httpExchange(p.port('li'), [{ path: '/1' }, { path: '/2' }, { path: '/3' }], { pipeline: true });
    assert.deepEqual(r.responses.map((x) => x.body.toString()), ['r/1', 'r/2', 'r/3']);
  });
});

test('chunked request and response bodies are re-framed intact', async () => {
  const o = await httpOrigin({ respond: (req) => ({ chunks: ['hello ', req.body.toString()] }) });
  await withProxy(o, basic(o), async (p) => {
    const req = 'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nworld\r\n3\r\n!!!\r\n0\r\n\r\n';
    const r = await httpExchange(p.port('li'), [req]);
    assert.equal(r.responses[0]?.status, 200);
    assert.equal(r.responses[0]?.body.toString(), 'hello world!!!');
    assert.equal(o.requests[0]?.body.toString(), 'world!!!');
    assert.equal(header(r.responses[0]!.headers, 'transfer-encoding'), 'chunked');
  });
});

test('HTTP/1.0 keep-alive gets connection: keep-alive; HTTP/1.0 without it is closed', async () => {
  const o = await httpOrigin();
  await withProxy(o, basic(o), async (p) => {
    const r = await httpExchange(p.port('li'), [{ version: 'HTTP/1.0', headers: { Connection: 'keep-alive' } }, { version: 'HTTP/1.0', headers: { Connection: 'keep-alive' } }]);
    assert.equal(r.responses.length, 2);
    assert.equal(header(r.responses[0]!.headers, 'connection'), 'keep-alive');
    const c = await rawExchange(p.port('li'), 'GET / HTTP/1.0\r\n\r\n', { idleMs: 1000 });
    assert.equal(c.ended, 'close');
    assert.match(c.data.toString(), /^HTTP\/1\.1 200 /);
  });
});

test('Expect: 100-continue: the interim response is forwarded', async () => {
  const o = await httpOrigin({ respond: (req) => ({ body: `got ${req.body.length}` }) });
  // A raw origin that answers 100 before reading the body.
  const srv = net.createServer((c) => {
    let buf = '';
    c.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n') && !buf.includes('#sent')) {
        buf += '#sent';
        c.write('HTTP/1.1 100 Continue\r\n\r\n');
      }
      if (buf.includes('abcd')) c.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const cfg = basic(o).replace(`127.0.0.1:${o.port}`, `127.0.0.1:${port}`);
  await withProxy(o, cfg, async (p) => {
    const r = await rawExchange(p.port('li'), ['POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n', 'abcd'], { pauseMs: 100, until: (d) => d.toString().includes('ok') });
    const text = r.data.toString();
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });
  srv.close();
});

test('400 for a bad request, with haproxy raw page', async () => {
  const o = await httpOrigin();
  await withProxy(o, basic(o), async (p) => {
    const r = await rawExchange(p.port('li'), 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
    assert.match(r.data.toString(), /^HTTP\/1\.1 400 Bad request\r\n/);
    assert.equal(o.requests.length, 0);
  });
});

test('408 when the head does not complete within timeout http-request', async () => {
  const o = await httpOrigin();
  await withProxy(o, basic(o, ['timeout http-request 200ms']), async (p) => {
    const r = await rawExchange(p.port('li'), 'GET / HTTP/1.1\r\nHost: x\r\n', { idleMs: 1500 });
    assert.match(r.data.toString(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
  });
});

test('502 for a bad response, 503 without server, 504 after timeout server', async () => {
  const o = await httpOrigin({
    respond: (req) => (req.target === '/bad' ? { raw: 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n' } : 'hang'),
  });
  await withProxy(o, basic(o, [], ['timeout server 300ms']), async (p) => {
    const bad = await httpExchange(p.port('li'), [{ path: '/bad' }]);
    assert.equal(bad.responses[0]?.status, 502);
    const slow = await httpExchange(p.port('li'), [{ path: '/slow' }], { idleMs: 1500 });
    assert.equal(slow.responses[0]?.status, 504);
  });
  const o2 = await httpOrigin();
  const dead = basic(o2).replace(`127.0.0.1:${o2.port}`, '127.0.0.1:1');
  await withProxy(o2, dead.replace('timeout connect 1s', 'timeout connect 200ms\n  retries 1'), async (p) => {
    const r = await httpExchange(p.port('li'), [{ path: '/' }]);
    assert.equal(r.responses[0]?.status, 503);
  });
});

test('option forwardfor adds x-forwarded-for; if-none keeps an existing one', async () => {
  const o = await httpOrigin();
  await withProxy(o, basic(o, ['option forwardfor']), async (p) => {
    await httpExchange(p.port('li'), [{ path: '/' }]);
    assert.equal(header(o.requests[0]!.headers, 'x-forwarded-for'), '127.0.0.1');
  });
  const o2 = await httpOrigin();
  await withProxy(o2, basic(o2, ['option forwardfor if-none']), async (p) => {
    await httpExchange(p.port('li'), [{ path: '/', headers: { 'X-Forwarded-For': '1.2.3.4' } }]);
    assert.deepEqual(o2.requests[0]!.headers.filter(([n]) => n.toLowerCase() === 'x-forwarded-for').map(([, v]) => v), ['1.2.3.4']);
  });
});

test('use_backend %[req.hdr(host),lower,word(1,:)]_http (seed 004)', async () => {
  const a = await httpOrigin({ name: 'A' });
  const b = await httpOrigin({ name: 'B' });
  const cfg = [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 2s', '  timeout server 2s',
    'frontend fe', '  bind 127.0.0.1:0', '  use_backend %[req.hdr(host),lower,word(1,:)]_http', '  default_backend a_http',
    'backend a_http', `  server s 127.0.0.1:${a.port}`,
    'backend b_http', `  server s 127.0.0.1:${b.port}`, '',
  ].join('\n');
  const p = await proxyFor(cfg);
  try {
    const r = await httpExchange(p.port('fe'), [{ host: 'B:8080' }, { host: 'a' }, { host: 'zzz' }]);
    assert.deepEqual(r.responses.map((x) => x.body.toString()), ['B', 'A', 'A']);
  } finally {
    await p.stop();
    await a.close();
    await b.close();
  }
});

test('header rules, redirect scheme https and use_backend if path_beg', async () => {
  const o = await httpOrigin({ respond: () => ({ body: 'x', headers: { Server: 'origin' } }) });
  const cfg = basic(o, [
    'acl is_plain hdr(x-plain) -m found',
    'http-request redirect scheme https code 301 if is_plain',
    'http-request set-header X-Added hello',
    'http-request del-header X-Secret',
    'http-request set-path /new%[path]',
    'http-response set-header Strict-Transport-Security "max-age=63072000"',
    'http-response del-header Server',
  ]);
  await withProxy(o, cfg, async (p) => {
    const r = await httpExchange(p.port('li'), [{ path: '/p?q=1', headers: { 'X-Secret': 's' } }, { path: '/r?x', host: 'ex.com', headers: { 'X-Plain': '1' } }]);
    const q = o.requests[0]!;
    assert.equal(q.target, '/new/p?q=1');
    assert.equal(header(q.headers, 'x-added'), 'hello');
    assert.equal(header(q.headers, 'x-secret'), undefined);
    assert.equal(header(r.responses[0]!.headers, 'strict-transport-security'), 'max-age=63072000');
    assert.equal(header(r.responses[0]!.headers, 'server'), undefined);
    assert.equal(r.responses[1]?.status, 301);
    assert.equal(header(r.responses[1]!.headers, 'location'), 'https://ex.com/r?x');
  });
});

test('websocket upgrade through the proxy (ws client), then a tunnel', async () => {
  const { wsOrigin } = await import('../../helpers/origins.js');
  const { WebSocket } = await import('ws');
  const w = await wsOrigin();
  const cfg = basic({ port: w.port } as HttpOrigin, [], ['timeout tunnel 2s']);
  const p = await proxyFor(cfg);
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port('li')}/chat`);
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('ping'));
      ws.on('message', (d: Buffer) => resolve(d.toString()));
      ws.on('error', reject);
    });
    assert.equal(echoed, 'ping');
    ws.close();
    assert.equal(w.upgrades[0]?.target, '/chat');
  } finally {
    await p.stop();
    await w.close();
  }
});

test('option httpclose: connection: close to both sides, client closed after the response', async () => {
  const o = await httpOrigin();
  await withProxy(o, basic(o, ['option httpclose']), async (p) => {
    const r = await rawExchange(p.port('li'), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { idleMs: 1000 });
    assert.equal(r.ended, 'close');
    assert.match(r.data.toString(), /\r\nconnection: close\r\n/);
    assert.equal(header(o.requests[0]!.headers, 'connection'), 'close');
  });
});
