/**
 * `option nolinger`, `source` and `option tcpka` in mode tcp, run through
 * haproxy 2.6 and Switchyard with the same origin and client, compared:
 * how each side's connection ended (FIN or reset), the bytes the client got
 * and the address the origin saw the connection come from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

interface Outcome {
  client: string;
  origin: string;
  from: string | undefined;
}

/** An origin that answers "pong" to the first bytes, then closes (`srvFirst`) or waits. */
function origin(srvFirst: boolean): Promise<{ server: net.Server; port: number; ends: string[]; from: string[] }> {
  const ends: string[] = [];
  const from: string[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    from.push(c.remoteAddress ?? '');
    c.on('error', (e: NodeJS.ErrnoException) => ends.push(e.code ?? 'error'));
    c.on('end', () => ends.push('FIN'));
    c.once('data', () => {
      if (srvFirst) c.end('pong');
      else c.write('pong');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0, ends, from });
  }));
}

/** Sends "ping"; answers the server's FIN with its own (`srvFirst`) or sends its FIN once "pong" is in. */
function client(port: number, srvFirst: boolean): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let got = '';
    let end = '';
    c.on('connect', () => c.write('ping'));
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (!srvFirst && got === 'pong') c.end();
    });
    c.on('end', () => {
      end = 'FIN';
      if (srvFirst) c.end();
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      end = e.code ?? 'error';
    });
    c.on('close', () => resolve(`${got} ${end}`));
  });
}

async function run(kind: ProxyKind, fe: string, be: string, srvFirst: boolean): Promise<Outcome> {
  const o = await origin(srvFirst);
  const config = `global
  nbthread 1
defaults
  mode tcp
  timeout client 400ms
  timeout server 400ms
  timeout connect 2s
frontend fe
  bind \${ADDR:fe}
${fe}  default_backend be
backend be
${be}  server s 127.0.0.1:${o.port}
`;
  const p = await startProxy(kind, config);
  try {
    const got = await client(p.ports['fe']!, srvFirst);
    // the origin's side ends a little after the client's
    await new Promise((r) => setTimeout(r, 100));
    return { client: got, origin: o.ends.join(','), from: o.from[0] };
  } finally {
    await p.stop();
    o.server.close();
  }
}

async function same(fe: string, be: string, srvFirst: boolean): Promise<Outcome> {
  const ref = await run('haproxy', fe, be, srvFirst);
  const got = await run('switchyard', fe, be, srvFirst);
  assert.deepEqual(got, ref, `fe:\n${fe}be:\n${be}srvFirst: ${srvFirst}`);
  return ref;
}

const NOLINGER = '  option nolinger\n';

test('option nolinger on the backend: a client FIN reaches the server as a reset', async () => {
  const r = await same('', NOLINGER, false);
  assert.equal(r.origin, 'ECONNRESET');
  assert.equal(r.client, 'pong FIN');
});

test('option nolinger on the backend: a server that closed first gets a clean close', async () => {
  const r = await same('', NOLINGER, true);
  assert.equal(r.origin, 'FIN');
});

test('option nolinger on both sides: the client is reset after the server', async () => {
  const r = await same(NOLINGER, NOLINGER, false);
  assert.equal(r.client, 'pong ECONNRESET');
});

test('option nolinger on the frontend: a clean server close still sends a FIN to the client', async () => {
  await same(NOLINGER, '', true);
});

test('option nolinger on the frontend: a timeout resets the client', async () => {
  // the origin never closes: the server timeout ends the stream
  const r = await same(NOLINGER, '', false);
  assert.equal(r.client, 'pong ECONNRESET');
});

test('source on a backend: the origin sees the configured local address', async () => {
  const r = await same('', '  source 127.0.0.3\n', true);
  assert.equal(r.from, '127.0.0.3');
});

test('source on a server overrides the backend', async () => {
  const o = await origin(true);
  const config = `defaults
  mode tcp
  timeout client 2s
  timeout server 2s
  timeout connect 2s
listen l
  bind \${ADDR:fe}
  source 127.0.0.3
  server s 127.0.0.1:${o.port} source 127.0.0.4
`;
  for (const kind of ['haproxy', 'switchyard'] as const) {
    const p = await startProxy(kind, config);
    try {
      assert.equal(await client(p.ports['fe']!, true), 'pong FIN');
    } finally {
      await p.stop();
    }
  }
  o.server.close();
  assert.deepEqual(o.from, ['127.0.0.4', '127.0.0.4']);
});

test('option tcpka: the exchange is unchanged', async () => {
  await same('  option tcpka\n', '  option tcpka\n  srvtcpka-idle 30s\n', true);
});
