/**
 * tcp-request connection / session / content and tcp-response content rules
 * in the running proxy, use_backend with conditions and dynamic names,
 * use-server, variables, set-src / set-dst-port, inspect-delay. The
 * client-visible endings (reset vs FIN) are the ones haproxy 2.6 shows for
 * the same rules (checked by running it: connection reject and silent-drop
 * reset, content reject closes with a FIN, response reject kills both sides).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from '../../helpers/clients.js';
import { tcpOrigin } from '../../helpers/origins.js';
import { serveText } from './l4-helpers.js';

const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 3s
  timeout server 3s
`;

test('tcp-request connection reject resets, accept lets the rest through', async () => {
  const o = await tcpOrigin({ echo: true });
  const p = await serveText(`${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  tcp-request connection accept if { src 127.0.0.2 }
  tcp-request connection reject if { src 127.0.0.1 } { dst_port gt 0 }
  default_backend be
backend be
  server s ${o.addr}
`);
  try {
    const r = await rawExchange(p.port('fe'), 'hello', { idleMs: 200 });
    assert.equal(r.ended, 'error');
    assert.equal(r.error, 'ECONNRESET');
    assert.equal(o.connections, 0);
    await p.waitEnded(1);
    assert.deepEqual(p.ended, ['PR']);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('tcp-request session rules see variables set by connection rules', async () => {
  const o = await tcpOrigin({ echo: true });
  const p = await serveText(`${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  tcp-request connection set-var(sess.tag) str(blocked)
  tcp-request session reject if { var(sess.tag) -m str blocked }
  default_backend be
backend be
  server s ${o.addr}
frontend fe2
  bind 127.0.0.1:0
  tcp-request connection set-var(sess.tag) str(ok)
  tcp-request session reject if { var(sess.tag) -m str blocked }
  default_backend be
`);
  try {
    const r = await rawExchange(p.port('fe'), 'x', { idleMs: 200 });
    assert.notEqual(r.ended, 'idle');
    assert.equal(o.connections, 0);
    const ok = await rawExchange(p.port('fe2'), 'ping', { idleMs: 200 });
    assert.equal(ok.data.toString(), 'ping');
  } finally {
    await p.stop();
    await o.close();
  }
});

test('tcp-request content: rules wait for data until the inspect delay, then decide with what they have', async () => {
  const o = await tcpOrigin({ echo: false });
  const p = await serveText(`${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  tcp-request inspect-delay 400ms
  tcp-request content reject if { req.payload(0,4) -m str EVIL }
  tcp-request content accept if { req.len ge 8 }
  tcp-request content reject if { req.len lt 8 }
  default_backend be
backend be
  server s ${o.addr}
`);
  try {
    // 8 bytes in two pieces: the first piece is not enough, the second decides.
    const a = await rawExchange(p.port('fe'), ['GOOD', 'DATA'], { pauseMs: 100, idleMs: 200 });
    assert.equal(a.ended, 'idle');
    // known-bad prefix: rejected at once with a FIN
    const t0 = Date.now();
    const b = await rawExchange(p.port('fe'), 'EVIL and more', { idleMs: 1000 });
    assert.equal(b.ended, 'close');
    assert.ok(Date.now() - t0 < 300);
    // too short: req.len may still change, so the last rule waits for the delay, then rejects
    const t1 = Date.now();
    const c = await rawExchange(p.port('fe'), 'abc', { idleMs: 2000 });
    assert.equal(c.ended, 'close');
    assert.ok(Date.now() - t1 >= 350, `closed after ${Date.now() - t1} ms`);
    await p.waitEnded(3);
    assert.deepEqual(o.received.map((x) => x.toString()), ['GOODDATA']);
    assert.deepEqual(p.ended.slice(1).sort(), ['PR', 'PR']);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('silent-drop resets the connection; timeout client during inspection gives cR', async () => {
  const o = await tcpOrigin({ echo: false });
  const p = await serveText(`${DEFAULTS}
frontend drop
  bind 127.0.0.1:0
  tcp-request content silent-drop
  default_backend be
frontend slow
  bind 127.0.0.1:0
  timeout client 300ms
  tcp-request inspect-delay 5s
  tcp-request content accept if { req.len gt 100 }
  default_backend be
backend be
  server s ${o.addr}
`);
  try {
    const r = await rawExchange(p.port('drop'), 'x', { idleMs: 300 });
    assert.equal(r.error, 'ECONNRESET');
    const t0 = Date.now();
    const s = await rawExchange(p.port('slow'), 'short', { idleMs: 3000 });
    assert.equal(s.ended, 'close');
    assert.ok(Date.now() - t0 < 1500);
    await p.waitEnded(2);
    assert.deepEqual(p.ended, ['PR', 'cR']);
    assert.equal(o.connections, 0);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('use_backend with conditions and dynamic names, use-server, set-src and set-dst-port in the PROXY header', async () => {
  const a = await tcpOrigin({ name: 'a', echo: false });
  const b = await tcpOrigin({ name: 'b', echo: false });
  const c = await tcpOrigin({ name: 'c', echo: false });
  const p = await serveText(`${DEFAULTS}
frontend fe
  bind 127.0.0.1:0
  tcp-request inspect-delay 1s
  tcp-request content set-src ipv4(10.1.2.3)
  tcp-request content set-dst-port int(4242)
  tcp-request content accept if { req.len ge 4 }
  use_backend be_%[req.payload(0,4),lower] if { req.payload(0,4) -m beg D }
  use_backend static if { req.payload(0,4) -m str SRV2 }
  default_backend static
backend be_dyna
  server a ${a.addr} send-proxy
backend static
  use-server s2 if { req.payload(0,4) -m str SRV2 }
  server s1 ${b.addr}
  server s2 ${c.addr}
`);
  try {
    await rawExchange(p.port('fe'), 'DYNA', { idleMs: 150 });
    await rawExchange(p.port('fe'), 'SRV2', { idleMs: 150 });
    await rawExchange(p.port('fe'), 'SRV2', { idleMs: 150 });
    // a dynamic name naming no backend falls back to default_backend
    await rawExchange(p.port('fe'), 'DXXX', { idleMs: 150 });
    assert.match(a.received[0]!.toString('latin1'), /^PROXY TCP4 10\.1\.2\.3 127\.0\.0\.1 \d+ 4242\r\nDYNA$/);
    assert.deepEqual(c.received.map((x) => x.toString()), ['SRV2', 'SRV2']);
    assert.deepEqual(b.received.map((x) => x.toString()), ['DXXX']);
  } finally {
    await p.stop();
    for (const o of [a, b, c]) await o.close();
  }
});

test('tcp-response content: reject kills both sides, close forwards and closes, accept waits for data', async () => {
  const o = await tcpOrigin({ echo: false, banner: 'BANNER-12345' });
  const p = await serveText(`${DEFAULTS}
frontend rej
  bind 127.0.0.1:0
  default_backend be_rej
frontend clo
  bind 127.0.0.1:0
  default_backend be_close
frontend acc
  bind 127.0.0.1:0
  default_backend be_acc
backend be_rej
  tcp-response inspect-delay 1s
  tcp-response content reject if { res.payload(0,6) -m str BANNER }
  server s ${o.addr}
backend be_close
  tcp-response inspect-delay 1s
  tcp-response content close if { res.payload(0,6) -m str BANNER }
  server s ${o.addr}
backend be_acc
  tcp-response inspect-delay 1s
  tcp-response content accept if { res.len ge 12 }
  server s ${o.addr}
`);
  try {
    const r = await rawExchange(p.port('rej'), 'hi', { idleMs: 500 });
    assert.equal(r.data.length, 0);
    assert.notEqual(r.ended, 'idle');
    const c = await rawExchange(p.port('clo'), 'hi', { idleMs: 500 });
    assert.equal(c.data.toString(), 'BANNER-12345');
    assert.equal(c.ended, 'close');
    const a = await rawExchange(p.port('acc'), 'hi', { idleMs: 300 });
    assert.equal(a.data.toString(), 'BANNER-12345');
    assert.equal(a.ended, 'idle');
  } finally {
    await p.stop();
    await o.close();
  }
});
