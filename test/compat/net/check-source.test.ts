/**
 * Health checks leave from the `source` address of their server, or else
 * of their backend, as the traffic does (proto_tcp.c tcp_connect_server()
 * serves both). Checked against haproxy 2.6: the addresses each server saw
 * its check connections come from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

/**
 * A server that records the peer address of each connection and answers a
 * check's PING (a connect-only check is reset before it could be accepted).
 */
async function recorder(): Promise<{ port: number; peers: Set<string>; close: () => void }> {
  const peers = new Set<string>();
  const srv = net.createServer((c) => {
    peers.add(c.remoteAddress ?? '?');
    c.on('error', () => undefined);
    c.on('data', () => c.end('PONG\r\n'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, peers, close: () => srv.close() };
}

async function run(kind: ProxyKind): Promise<Record<string, string[]>> {
  const a = await recorder();
  const b = await recorder();
  const c = await recorder();
  const d = await recorder();
  const p = await startProxy(kind, `defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  default_backend be
backend be
  source 127.0.0.3
  option tcp-check
  tcp-check send PING\r\n
  tcp-check expect string PONG
  server a 127.0.0.1:${a.port} check inter 150 source 127.0.0.2
  server b 127.0.0.1:${b.port} check inter 150
backend other
  option tcp-check
  tcp-check send PING\r\n
  tcp-check expect string PONG
  server c 127.0.0.1:${c.port} check inter 150 source 127.0.0.4
backend plain
  server d 127.0.0.1:${d.port} check inter 150 source 127.0.0.5
`);
  try {
    await new Promise((r) => setTimeout(r, 700));
  } finally {
    await p.stop();
    for (const x of [a, b, c, d]) x.close();
  }
  return { a: [...a.peers].sort(), b: [...b.peers].sort(), c: [...c.peers].sort(), d: [...d.peers].sort() };
}

test('check connections bind the server source, else the backend source, as in haproxy', async () => {
  const ref = await run('haproxy');
  const got = await run('switchyard');
  // A connect-only check (d) is reset by haproxy before the recorder can accept it:
  // only Switchyard's is seen, and it must come from the source too.
  const { d: dGot, ...restGot } = got;
  const { d: _dRef, ...restRef } = ref;
  assert.deepEqual(restGot, restRef);
  assert.deepEqual(restRef, { a: ['127.0.0.2'], b: ['127.0.0.3'], c: ['127.0.0.4'] });
  assert.ok(dGot!.length > 0 && dGot!.every((x) => x === '127.0.0.5'), `plain check peers: ${dGot!.join(',')}`);
});
