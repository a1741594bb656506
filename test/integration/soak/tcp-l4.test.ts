/**
 * Soak: the layer-4 path of `mode tcp` (src/tcp/stream.ts): `accept-proxy`
 * with good, garbage, truncated, slow and aborted PROXY headers,
 * `send-proxy-v2` towards the server, and SNI routing on the ClientHello
 * with good, truncated and garbage hellos. A few hundred connections of each
 * kind at once, three rounds: no client hangs, good exchanges are intact,
 * counters end idle, RSS does not keep growing, nothing was thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertIdle, assertNoException, client, launch, origin, payload, pool, procSample, tally, type ClientResult, type Origin,
} from './tcp-kit.js';
import { clientHello } from '../tcp/l4-helpers.js';

/** The PROXY protocol v2 signature (proxy-protocol.txt §2.2). */
const V2_SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function config(echo: Origin, echo2: Origin): string {
  return [
    'global',
    '  maxconn 20000',
    'defaults',
    '  mode tcp',
    '  timeout client 250ms',
    '  timeout server 2s',
    '  timeout connect 300ms',
    'listen pp',
    '  bind ${ADDR:pp} accept-proxy',
    `  server s1 127.0.0.1:${echo.port} send-proxy-v2`,
    'frontend sni',
    '  bind ${ADDR:sni}',
    '  tcp-request inspect-delay 150ms',
    '  tcp-request content accept if { req.ssl_hello_type 1 }',
    '  use_backend ba if { req.ssl_sni -i a.example.com }',
    '  default_backend bb',
    'backend ba',
    `  server a1 127.0.0.1:${echo.port}`,
    'backend bb',
    `  server b1 127.0.0.1:${echo2.port}`,
    '',
  ].join('\n');
}

function noHang(what: string, rs: readonly ClientResult[]): void {
  const n = rs.filter((r) => r.end === 'timeout').length;
  assert.equal(n, 0, `${what}: ${n} hung (${JSON.stringify(tally(rs))})`);
}

async function round(pp: number, sni: number, echoA: Origin, echoB: Origin): Promise<void> {
  const a0 = echoA.accepted;
  const b0 = echoB.accepted;
  const [good, garbage, truncated, silent, aborted, helloA, helloB, helloCut, helloJunk] = await Promise.all([
    pool(200, 20, async () => {
      const d = payload(500);
      const r = await client(pp, { send: Buffer.concat([Buffer.from('PROXY TCP4 10.1.2.3 10.4.5.6 1234 443\r\n'), d]) });
      // The echo sends back the v2 header the proxy wrote, then the payload.
      const ok = r.end === 'close' && r.data.subarray(0, 12).equals(V2_SIG) && r.data.subarray(r.data.length - d.length).equals(d);
      return { r, ok };
    }),
    pool(100, 20, () => client(pp, { send: Buffer.from('GET / HTTP/1.0\r\n\r\n') })),
    pool(50, 20, () => client(pp, { send: Buffer.from('PROXY TCP4 10.1.2.3 10.4') })),
    pool(30, 30, () => client(pp, { halfClose: false })),
    pool(50, 20, () => client(pp, { send: Buffer.from('PROXY TCP4 10.1.'), halfClose: false, resetAfterMs: 20 })),
    pool(100, 20, async () => {
      const h = clientHello({ sni: 'a.example.com' });
      const r = await client(sni, { send: h });
      return { r, ok: r.end === 'close' && r.data.equals(h) };
    }),
    pool(100, 20, async () => {
      const h = clientHello({ sni: 'b.example.com', ec: true });
      const r = await client(sni, { send: h });
      return { r, ok: r.end === 'close' && r.data.equals(h) };
    }),
    pool(50, 20, () => client(sni, { send: clientHello({ sni: 'a.example.com' }).subarray(0, 30), halfClose: false })),
    pool(50, 20, () => client(sni, { send: payload(300) })),
  ]);
  assert.deepEqual(good.filter((x) => !x.ok).map((x) => [x.r.end, x.r.code, x.r.data.length]), [], 'PROXY v1 in, v2 out');
  // A bad PROXY header closes the connection without reaching the server.
  for (const [what, rs] of [['garbage header', garbage], ['truncated header', truncated], ['silent client', silent], ['reset mid-header', aborted]] as const) {
    noHang(what, rs);
    assert.ok(rs.every((r) => r.data.length === 0), `${what}: nothing comes back`);
  }
  assert.deepEqual(helloA.filter((x) => !x.ok).map((x) => [x.r.end, x.r.data.length]), [], 'SNI a.example.com');
  assert.deepEqual(helloB.filter((x) => !x.ok).map((x) => [x.r.end, x.r.data.length]), [], 'SNI b.example.com');
  noHang('truncated hello', helloCut);
  noHang('junk instead of a hello', helloJunk);
  // a.example.com went to ba (echoA, shared with the PROXY listener); the rest to bb, including the
  // truncated hellos once the inspect delay ran out (no SNI to match).
  assert.equal(echoA.accepted - a0, 200 + 100, 'connections to the first echo (pp + SNI a)');
  assert.equal(echoB.accepted - b0, 100 + 50 + 50, 'connections to the second echo (SNI b, junk, truncated hellos)');
}

test('accept-proxy, send-proxy-v2 and SNI routing under abuse: no hang, idle after, no growth', { timeout: 30000 }, async () => {
  const echoA = await origin('echo');
  const echoB = await origin('echo');
  const p = await launch(config(echoA, echoB));
  try {
    const rss: number[] = [];
    for (let i = 0; i < 3; i++) {
      await round(p.ports['pp']!, p.ports['sni']!, echoA, echoB);
      await assertIdle(p, 3000);
      rss.push(procSample(p.pid).rssKiB);
    }
    assert.ok(rss[2]! - rss[1]! < 24 * 1024, `RSS keeps growing: ${rss.join(', ')} KiB`);
    const h = clientHello({ sni: 'a.example.com' });
    const fresh = await client(p.ports['sni']!, { send: h });
    assert.ok(fresh.data.equals(h));
    assertNoException(p);
  } finally {
    await p.stop();
    await echoA.close();
    await echoB.close();
  }
});
