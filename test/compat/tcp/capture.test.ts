/**
 * `tcp-request content capture <sample> len <n>`: the sample goes to the
 * frontend's request capture slot, cut to `len`, where `capture.req.hdr(<n>)`
 * reads it; checked against haproxy 2.6 through a rule that rejects on the
 * captured value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

async function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    c.on('connect', () => c.write(payload));
    c.on('data', (d) => {
      got += d.toString('latin1');
      c.end();
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      got += `<${e.code ?? 'error'}>`;
    });
    c.on('close', () => resolve(got));
  });
}

async function run(kind: ProxyKind): Promise<{ client: string[]; origin: string[] }> {
  const received: string[] = [];
  const origin = net.createServer((c) => {
    c.on('error', () => undefined);
    c.on('data', (d) => {
      received.push(d.toString('latin1'));
      c.end(`echo:${d.toString('latin1')}`);
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const oport = (origin.address() as net.AddressInfo).port;
  const config = `defaults
  mode tcp
  timeout client 2s
  timeout server 2s
  timeout connect 1s
frontend fe
  bind \${ADDR:fe}
  tcp-request inspect-delay 1s
  tcp-request content capture req.payload(0,5) len 3 if { req.len gt 0 }
  tcp-request content reject if { capture.req.hdr(0) -m str QUI }
  default_backend be
backend be
  server s 127.0.0.1:${oport}
`;
  const p = await startProxy(kind, config);
  try {
    const client = [await exchange(p.ports['fe']!, 'QUIT\r\n'), await exchange(p.ports['fe']!, 'HELO\r\n')];
    return { client, origin: received };
  } finally {
    await p.stop();
    origin.close();
  }
}

test('tcp-request content capture: the captured and cut value drives a later rule as in haproxy', async () => {
  const ref = await run('haproxy');
  const got = await run('switchyard');
  assert.deepEqual(got, ref);
  // "QUIT" captured as "QUI" is rejected; "HELO" reaches the origin
  assert.deepEqual(ref.origin, ['HELO\r\n']);
});
