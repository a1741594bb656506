/**
 * `maxconn` + `maxqueue` on a hashed backend (the server is chosen by the
 * URI, so a full server queues on itself): with maxconn 1 and maxqueue 1,
 * three concurrent requests for the same URI give one served at once, one
 * served after waiting in the server's queue, and one 503 (termination sQ).
 * The same run under haproxy 2.6 gives the same statuses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { httpOrigin } from '../../helpers/origins.js';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';
import { haproxyAvailable } from '../../helpers/paths.js';

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const c = net.connect(port, '127.0.0.1', () => c.write('GET /same HTTP/1.1\r\nHost: q\r\nConnection: close\r\n\r\n'));
    c.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 'none'));
    c.on('error', () => undefined);
  });
}

async function statuses(kind: ProxyKind): Promise<string[]> {
  const origin = await httpOrigin({ delayMs: 300 });
  const p = await startProxy(kind, `
global
  nbthread 1
defaults
  mode http
  timeout connect 1s
  timeout queue 2s
  timeout client 2s
  timeout server 2s
listen fe
  bind \${ADDR:fe}
  balance uri
  server s1 ${origin.addr} maxconn 1 maxqueue 1
  server s2 ${origin.addr} maxconn 1 maxqueue 1
`);
  try {
    const all = [get(p.ports['fe']!), get(p.ports['fe']!), get(p.ports['fe']!)];
    return (await Promise.all(all)).sort();
  } finally {
    await p.stop();
    await origin.close();
  }
}

describe('maxqueue', () => {
  it('Switchyard: one served, one queued then served, one 503', { timeout: 10_000 }, async () => {
    assert.deepEqual(await statuses('switchyard'), ['200', '200', '503']);
  });
  it('haproxy 2.6 does the same', { timeout: 10_000, skip: haproxyAvailable() ? false : 'haproxy is not installed' }, async () => {
    assert.deepEqual(await statuses('haproxy'), ['200', '200', '503']);
  });
});
