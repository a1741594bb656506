/**
 * Layer-4 SNI routing with real TLS (seed 004's router): `openssl s_client
 * -servername` through Switchyard to TLS origins chosen by
 * `use_backend %[req_ssl_sni,lower,word(1,:)]_tls`, and the bad inputs of
 * issue 4: garbage instead of a hello, a truncated hello, an enormous one,
 * a client vanishing mid-inspection. Each closes its own connection and
 * leaves the others (and the process) serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawExchange, sClient } from '../../helpers/clients.js';
import { tlsOrigin, type TlsOrigin } from '../../helpers/origins.js';
import { clientHello, serveText, type Served } from './l4-helpers.js';

async function router(): Promise<{ p: Served; t1: TlsOrigin; t2: TlsOrigin; close(): Promise<void> }> {
  const t1 = await tlsOrigin({ name: 't1', cert: 'rsa', http: false });
  const t2 = await tlsOrigin({ name: 't2', cert: 'ecdsa', http: false });
  const p = await serveText(`defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s

frontend www-tls
  mode tcp
  bind 127.0.0.1:0
  tcp-request inspect-delay 400ms
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend %[req_ssl_sni,lower,word(1,:)]_tls

backend test1.example.com_tls
  mode tcp
  server test1_tls ${t1.addr}
backend test2.example.com_tls
  mode tcp
  server test2_tls ${t2.addr}
`);
  return {
    p, t1, t2,
    async close() {
      await p.stop();
      await t1.close();
      await t2.close();
    },
  };
}

/** One good TLS connection through the router: it must still work whatever the others did. */
async function goodClient(port: number, name = 'test2.example.com'): Promise<void> {
  const r = await sClient(port, { servername: name, input: 'ping\n', timeoutMs: 5000 });
  assert.notEqual(r.protocol, '', `handshake through the router failed:\n${r.stdout}\n${r.stderr}`);
}

test('s_client -servername reaches the backend named after the SNI (lower-cased, port stripped)', async () => {
  const r = await router();
  try {
    const port = r.p.port('www-tls');
    const a = await sClient(port, { servername: 'test1.example.com', input: 'one\n' });
    const b = await sClient(port, { servername: 'Test2.EXAMPLE.com', input: 'two\n' });
    const c = await sClient(port, { input: 'three\n' });
    assert.notEqual(a.protocol, '');
    assert.notEqual(b.protocol, '');
    assert.equal(c.protocol, '', 'no SNI: no backend, the connection is closed');
    assert.deepEqual(r.t1.handshakes.map((h) => h.servername), ['test1.example.com']);
    assert.deepEqual(r.t2.handshakes.map((h) => h.servername), ['Test2.EXAMPLE.com']);
    assert.deepEqual(r.t1.received.map((x) => x.toString()), ['one\n']);
    // raw hello bytes with "name:port" in the SNI: word(1,:) keeps the name
    await rawExchange(port, clientHello({ sni: 'TEST1.example.com:443' }), { idleMs: 200 });
    assert.equal(r.p.runtime.backends.get('test1.example.com_tls')!.counters.cumConns, 2);
  } finally {
    await r.close();
  }
});

test('garbage instead of a ClientHello closes that connection at once', async () => {
  const r = await router();
  try {
    const port = r.p.port('www-tls');
    const t0 = Date.now();
    const g = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: test1.example.com\r\n\r\n', { idleMs: 2000 });
    assert.equal(g.ended, 'close');
    assert.ok(Date.now() - t0 < 300, 'not a TLS record: the fetch fails at once, no inspect delay');
    await goodClient(port);
    assert.equal(r.t1.connections + r.t2.connections, 1);
  } finally {
    await r.close();
  }
});

test('a truncated ClientHello waits for the inspect delay, then closes; others are served meanwhile', async () => {
  const r = await router();
  try {
    const port = r.p.port('www-tls');
    const hello = clientHello({ sni: 'test1.example.com' });
    const t0 = Date.now();
    const pending = rawExchange(port, hello.subarray(0, 30), { idleMs: 3000 });
    await goodClient(port);
    const t = await pending;
    assert.equal(t.ended, 'close');
    assert.ok(Date.now() - t0 >= 350, `closed after ${Date.now() - t0} ms, before the inspect delay`);
    assert.equal(r.t1.connections, 0);
  } finally {
    await r.close();
  }
});

test('an enormous ClientHello fills the inspection buffer and is decided there, without hanging', async () => {
  const r = await router();
  try {
    const port = r.p.port('www-tls');
    // A 40 kB hello: more than a 16 kB buffer can hold; the SNI sits at the start.
    const big = clientHello({ sni: 'test1.example.com', padTo: 40000 });
    const t0 = Date.now();
    const res = await rawExchange(port, big, { idleMs: 1500, timeoutMs: 4000 });
    assert.ok(Date.now() - t0 < 1200, 'decided on a full buffer, before the inspect delay ran out');
    assert.notEqual(res.ended, 'timeout');
    await goodClient(port, 'test1.example.com');
    // haproxy gives up on records larger than the buffer: no SNI, no backend.
    assert.equal(r.t1.handshakes.length, 1);
  } finally {
    await r.close();
  }
});

test('a client vanishing mid-inspection frees its stream and nothing else', async () => {
  const r = await router();
  try {
    const port = r.p.port('www-tls');
    const s = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((res) => s.once('connect', () => res()));
    s.write(clientHello({ sni: 'test1.example.com' }).subarray(0, 40));
    await new Promise((res) => setTimeout(res, 50));
    s.resetAndDestroy();
    const s2 = net.connect({ port, host: '127.0.0.1' });
    s2.on('error', () => undefined);
    await new Promise<void>((res) => s2.once('connect', () => res()));
    s2.write(clientHello({ sni: 'test1.example.com' }).subarray(0, 40));
    s2.end();
    await r.p.waitEnded(2);
    assert.equal(r.p.ended.length, 2);
    assert.ok(r.p.ended.every((f) => f[1] === 'R'), r.p.ended.join(','));
    await goodClient(port);
    await r.p.lifecycle.whenIdle();
    assert.equal(r.p.runtime.frontends[0]!.counters.curConns, 0);
    assert.equal(r.t1.connections, 0);
  } finally {
    await r.close();
  }
});
