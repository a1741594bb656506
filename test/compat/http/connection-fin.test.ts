/**
 * Differential: `timeout server-fin` in a websocket tunnel (configuration.txt
 * §4.2), haproxy 2.6 and Switchyard side by side. The differential helper
 * compares bytes, not times, so this test drives raw sockets and compares
 * when the client sees the proxy close: the client half-closes, the server
 * is sent the FIN and, as it does not close, the proxy closes both
 * connections `server-fin` after that FIN (haproxy counts from the FIN, not
 * from the server's last bytes). Without it the proxy would wait for
 * `timeout tunnel` (3 s).
 *
 * The mirror case: the server half-closes. haproxy 2.6 then ends the whole
 * tunnel at once: the server gets a FIN back, the client the FIN and its
 * connection is released (its next bytes get a reset), `client-fin` plays
 * no part. The same release follows a response that closes the client
 * connection: the client's later bytes get a reset at once, not after
 * `client-fin`.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 3s
  timeout server 3s
  timeout tunnel 3s
  timeout client-fin 300ms
  timeout server-fin 500ms
listen ws
  bind \${ADDR:ws}
  server s1 \${ORIGIN}
listen plain
  bind \${ADDR:plain}
  http-request return status 200 content-type text/plain string ok
`;

const UPGRADE = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHED = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** What the origin does after its 101: nothing, or half-close 100 ms later. */
let originMode: 'stay' | 'half-close' = 'stay';
/** When the origin saw its connection closed (ms since the exchange started). */
let originClosedAt: number | undefined;
/** When the origin got the proxy's FIN. */
let originEndAt: number | undefined;
let t0 = 0;

function startOrigin(): Promise<net.Server> {
  const srv = net.createServer({ allowHalfOpen: true }, (c) => {
    let head = '';
    let sent = false;
    c.on('error', () => undefined);
    c.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (sent || !head.includes('\r\n\r\n')) return;
      sent = true;
      c.write(SWITCHED);
      if (originMode === 'half-close') setTimeout(() => c.end(), 100);
    });
    c.on('end', () => {
      originEndAt ??= performance.now() - t0;
    });
    c.on('close', () => {
      originClosedAt = performance.now() - t0;
    });
  });
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv)));
}

interface Times {
  /** The client's connection closed (after the proxy closed it), ms. */
  clientClosed: number;
  /** The origin's connection closed, ms. */
  originClosed: number;
}

/** One tunnel; `clientFin`: the client half-closes 100 ms after the 101. */
async function tunnel(port: number, clientFin: boolean): Promise<Times> {
  originClosedAt = undefined;
  originMode = clientFin ? 'stay' : 'half-close';
  t0 = performance.now();
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', () => undefined);
  c.on('connect', () => c.write(UPGRADE));
  let switched = false;
  c.on('data', () => {
    if (switched) return;
    switched = true;
    if (clientFin) setTimeout(() => c.end(), 100);
  });
  const clientClosed = await new Promise<number>((resolve) => {
    c.on('close', () => resolve(performance.now() - t0));
    // The proxy closes with a FIN: close our side once it came, after the server side (server-fin case).
    c.on('end', () => {
      if (clientFin) c.end();
    });
    setTimeout(() => {
      c.destroy();
      resolve(Infinity);
    }, 2000);
  });
  // Let the origin see the close.
  for (let i = 0; i < 20 && originClosedAt === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  c.destroy();
  return { clientClosed, originClosed: originClosedAt ?? Infinity };
}

/** What a probing client saw: its FIN, and whether bytes sent `afterMs` later got a reset (two writes 50 ms apart). */
interface Probe {
  /** The origin got the proxy's FIN within 100 ms of its own (tunnel case). */
  originEndedSoon: boolean;
  clientGotFin: boolean;
  clientReset: boolean;
}

/** Sends `first`, then probes the connection with writes `afterMs` and `afterMs + 50` ms after starting. */
async function probe(port: number, first: string, afterMs: number): Promise<Probe> {
  originClosedAt = undefined;
  originEndAt = undefined;
  originMode = 'half-close';
  t0 = performance.now();
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let fin = false;
  let reset = false;
  c.on('error', () => {
    reset = true;
  });
  c.on('connect', () => c.write(first));
  c.on('data', () => undefined);
  c.on('end', () => {
    fin = true;
  });
  await new Promise((r) => setTimeout(r, afterMs));
  if (!c.destroyed) c.write('x');
  await new Promise((r) => setTimeout(r, 50));
  if (!c.destroyed) c.write('y');
  await new Promise((r) => setTimeout(r, 50));
  c.destroy();
  // The origin half-closes 100 ms after its 101.
  return { originEndedSoon: originEndAt !== undefined && originEndAt < 260, clientGotFin: fin, clientReset: reset };
}

describe('timeout client-fin / server-fin in a tunnel: haproxy 2.6 and Switchyard', { skip }, () => {
  let origin: net.Server | undefined;
  const proxies: RunningProxy[] = [];
  const results = new Map<string, { serverFin: Times; serverHalfClose: Probe; closingResponse: Probe }>();

  before(async () => {
    origin = await startOrigin();
    const addr = `127.0.0.1:${(origin.address() as net.AddressInfo).port}`;
    for (const kind of ['haproxy', 'switchyard'] as const) {
      const p = await startProxy(kind, CONFIG, { vars: { ORIGIN: addr } });
      proxies.push(p);
      const port = p.ports['ws']!;
      results.set(kind, {
        serverFin: await tunnel(port, true),
        serverHalfClose: await probe(port, UPGRADE, 200),
        closingResponse: await probe(p.ports['plain']!, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 60),
      });
    }
  });
  after(async () => {
    for (const p of proxies) await p.stop();
    origin?.close();
  });

  it('the client half-closes: the proxy closes server-fin after that FIN', () => {
    const h = results.get('haproxy')!.serverFin;
    const s = results.get('switchyard')!.serverFin;
    // FIN ~100 ms after the 101, server-fin 500 ms: ~600 ms, far from the 3 s tunnel timeout.
    assert.ok(h.clientClosed > 450 && h.clientClosed < 1000, `haproxy ${JSON.stringify(h)}`);
    assert.ok(Math.abs(s.clientClosed - h.clientClosed) < 60, `client closed: switchyard ${s.clientClosed}, haproxy ${h.clientClosed}`);
  });

  it('the server half-closes: both connections end at once, client-fin plays no part', () => {
    const h = results.get('haproxy')!.serverHalfClose;
    assert.deepEqual(h, { originEndedSoon: true, clientGotFin: true, clientReset: true });
    assert.deepEqual(results.get('switchyard')!.serverHalfClose, h);
  });

  it('after a response that closes, the client connection is released at once', () => {
    const h = results.get('haproxy')!.closingResponse;
    assert.equal(h.clientGotFin, true);
    assert.equal(h.clientReset, true);
    assert.deepEqual(results.get('switchyard')!.closingResponse, h);
  });
});
