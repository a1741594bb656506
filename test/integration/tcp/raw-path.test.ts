/**
 * The raw `mode tcp` data path (src/tcp/raw-stream.ts, docs/tcp-data-path.md):
 * which proxies take it, and the behaviours it implements itself (aborts
 * from either side, connections held by maxconn as bare handles). The
 * common behaviours (bytes, half-closes, backpressure, timeouts, retries,
 * lifecycle) are covered by the other test/integration/tcp files, which
 * run on this path for their plain configurations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawHandlesAvailable } from '../../../src/net/raw-handle.js';
import { loadConfigText } from '../../helpers/load-config.js';
import { freePort } from '../../helpers/processes.js';
import { bind, echoHandler, exchange, model, origin, proxy, server, start, type Started } from '../../helpers/model-builder.js';
import type { AnyStream } from '../../../src/proxy/runtime.js';

const skip = !rawHandlesAvailable ? 'raw handles unavailable (or SWITCHYARD_NET_SOCKET=1)' : false;
const T = { client: 2000, server: 2000, connect: 1000 };

async function startText(text: string): Promise<Started> {
  const r = loadConfigText(text);
  assert.deepEqual(r.alerts, []);
  return start(r.model);
}

/** The class name of each stream that ended, with its termination flags. */
function endings(p: Started): string[] {
  const out: string[] = [];
  p.runtime.addStreamEndHook((s: AnyStream) => void out.push(`${s.constructor.name} ${s.terminationFlags}`));
  return out;
}

const DEFAULTS = ['defaults', '  mode tcp', '  timeout client 2s', '  timeout server 2s', '  timeout connect 1s'];

test('which proxies take the raw path', { skip }, async () => {
  const o = await origin(echoHandler);
  const srv = `127.0.0.1:${o.port}`;
  const cases: Array<[string, string[], boolean]> = [
    ['plain listen', ['listen li', '  bind 127.0.0.1:0', `  server s1 ${srv}`], true],
    ['frontend + backend, leastconn, source, tcpka, nolinger', [
      'frontend li', '  bind 127.0.0.1:0', '  option nolinger', '  default_backend be',
      'backend be', '  balance leastconn', '  option tcpka', '  source 127.0.0.1', `  server s1 ${srv}`,
    ], true],
    ['tcp-request content rule', ['listen li', '  bind 127.0.0.1:0', '  tcp-request content accept if TRUE', `  server s1 ${srv}`], false],
    ['send-proxy server', ['listen li', '  bind 127.0.0.1:0', `  server s1 ${srv} send-proxy`], false],
    ['balance hash', ['listen li', '  bind 127.0.0.1:0', '  balance hash src', `  server s1 ${srv}`], false],
    ['conditional use_backend', ['frontend li', '  bind 127.0.0.1:0', '  use_backend be if { src 127.0.0.1 }', '  default_backend be', 'backend be', `  server s1 ${srv}`], false],
  ];
  try {
    for (const [what, lines, raw] of cases) {
      const port = await freePort();
      const p = await startText([...DEFAULTS, ...lines].join('\n').replace('127.0.0.1:0', `127.0.0.1:${port}`));
      try {
        const ended = endings(p);
        const r = await exchange(p.port('li'), 'ping');
        // (the echo origin sends back the PROXY header of send-proxy too)
        assert.ok(r.data.toString().endsWith('ping'), what);
        await p.lifecycle.whenIdle();
        assert.deepEqual(ended, [`${raw ? 'RawTcpStream' : 'TcpStream'} --`], what);
      } finally {
        await p.stop();
      }
    }
  } finally {
    await o.close();
  }
});

test('a client reset aborts the server connection (CD)', { skip }, async () => {
  let serverClosed!: () => void;
  const closed = new Promise<void>((r) => (serverClosed = r));
  const o = await origin((c) => {
    c.on('error', () => undefined);
    // The origin is half-open capable: the proxy's close arrives as 'end'.
    c.resume();
    c.on('end', () => serverClosed());
    c.on('close', () => serverClosed());
  });
  const p = await start(model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T })]));
  try {
    const ended = endings(p);
    const c = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.on('connect', () => r()));
    c.write('x');
    await new Promise((r) => setTimeout(r, 50));
    c.resetAndDestroy();
    await closed;
    await p.lifecycle.whenIdle();
    assert.deepEqual(ended, ['RawTcpStream CD']);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('a server reset closes the client (SD)', { skip }, async () => {
  const o = await origin((c) => {
    c.on('error', () => undefined);
    c.once('data', () => c.resetAndDestroy());
  });
  const p = await start(model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T })]));
  try {
    const ended = endings(p);
    const r = await exchange(p.port('li'), 'x', { end: false });
    assert.equal(r.data.length, 0);
    await p.lifecycle.whenIdle();
    assert.deepEqual(ended, ['RawTcpStream SD']);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('frontend maxconn holds the next connection unread until a slot frees', { skip }, async () => {
  const o = await origin(echoHandler);
  const p = await start(model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T, maxconn: 1 })]));
  try {
    const ended = endings(p);
    const first = net.connect({ port: p.port('li'), host: '127.0.0.1', allowHalfOpen: true });
    await new Promise<void>((r) => first.on('connect', () => r()));
    first.write('a');
    await new Promise<void>((r) => first.once('data', () => r()));
    // The second connection is accepted by the kernel but not served yet.
    const second = exchange(p.port('li'), 'b');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(p.runtime.streams.size, 1);
    assert.equal(p.runtime.frontends[0]!.listeners[0]!.accepted, 1);
    first.end();
    first.on('end', () => first.end());
    const r = await second;
    assert.equal(r.data.toString(), 'b');
    await p.lifecycle.whenIdle();
    assert.deepEqual(ended, ['RawTcpStream --', 'RawTcpStream --']);
  } finally {
    await p.stop();
    await o.close();
  }
});
