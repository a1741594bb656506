/**
 * mode tcp forwarding through the runtime: exact bytes both ways, half-close
 * in each direction, backpressure with a slow reader, inactivity timeouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { bind, echoHandler, exchange, model, origin, proxy, server, start } from '../../helpers/model-builder.js';

const T = { client: 2000, server: 2000, connect: 1000 };

function listenModel(serverPort: number, timeouts: Record<string, number> = T) {
  return model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${serverPort}`)], timeouts })]);
}

test('forwards exact bytes both ways (1 MiB echo)', async () => {
  const o = await origin(echoHandler);
  const p = await start(listenModel(o.port));
  try {
    const payload = randomBytes(1 << 20);
    const r = await exchange(p.port('li'), payload);
    assert.equal(r.error, undefined);
    assert.equal(r.data.length, payload.length);
    assert.ok(r.data.equals(payload));
    const fe = p.runtime.frontends[0]!;
    await p.lifecycle.whenIdle();
    assert.equal(fe.counters.bytesIn, payload.length);
    assert.equal(fe.counters.bytesOut, payload.length);
    assert.equal(p.runtime.backends.get('li')!.servers[0]!.counters.cumConns, 1);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('server speaks first and closes: client gets the bytes then FIN', async () => {
  const greeting = randomBytes(70000);
  const o = await origin((c) => c.end(greeting));
  const p = await start(listenModel(o.port));
  try {
    const r = await new Promise<Buffer>((resolve) => {
      const c = net.connect({ port: p.port('li'), host: '127.0.0.1', allowHalfOpen: true });
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => {
        c.end();
        resolve(Buffer.concat(chunks));
      });
    });
    assert.ok(r.equals(greeting));
  } finally {
    await p.stop();
    await o.close();
  }
});

test('half-close client→server: the server sees FIN and can still answer', async () => {
  const o = await origin((c) => {
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    // Answer only after the client's FIN arrived.
    c.on('end', () => setTimeout(() => c.end(Buffer.concat([Buffer.from('got:'), ...chunks])), 50));
  });
  const p = await start(listenModel(o.port));
  try {
    const r = await exchange(p.port('li'), 'question');
    assert.equal(r.data.toString(), 'got:question');
  } finally {
    await p.stop();
    await o.close();
  }
});

test('half-close server→client: the client sees FIN and can keep sending', async () => {
  let serverGot = '';
  let serverDone!: () => void;
  const done = new Promise<void>((r) => {
    serverDone = r;
  });
  const o = await origin((c) => {
    c.end('bye');
    c.on('data', (d: Buffer) => {
      serverGot += d.toString();
    });
    c.on('end', () => serverDone());
  });
  const p = await start(listenModel(o.port));
  try {
    const c = net.connect({ port: p.port('li'), host: '127.0.0.1', allowHalfOpen: true });
    const closed = new Promise((r) => c.on('close', r));
    let got = '';
    c.on('data', (d: Buffer) => {
      got += d.toString();
    });
    await new Promise<void>((resolve) => c.on('end', () => resolve()));
    assert.equal(got, 'bye');
    // Our write side is still open through the proxy.
    c.end('after-fin');
    await done;
    assert.equal(serverGot, 'after-fin');
    await closed;
  } finally {
    await p.stop();
    await o.close();
  }
});

test('backpressure: a slow reader keeps the proxy buffers bounded', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x42);
  let written = 0;
  let originSock: net.Socket | undefined;
  const o = await origin((c) => {
    originSock = c;
    const pump = (): void => {
      while (written < 64 * 1024 * 1024 && c.write(chunk)) written += chunk.length;
    };
    c.on('drain', () => {
      written += chunk.length;
      pump();
    });
    pump();
  });
  const p = await start(listenModel(o.port, { client: 10000, server: 10000, connect: 1000 }));
  try {
    const c = net.connect({ port: p.port('li'), host: '127.0.0.1', allowHalfOpen: true });
    c.pause();
    await new Promise((r) => setTimeout(r, 400));
    const stalled = written;
    // Kernel buffers (both sockets, both hops) plus one Node write buffer: a few MiB at most.
    assert.ok(stalled < 16 * 1024 * 1024, `origin wrote ${stalled} bytes to a reader that reads nothing`);
    const stream = [...p.runtime.streams][0]!;
    assert.ok(stream.cli.writableLength <= 2 * 1024 * 1024, `proxy holds ${stream.cli.writableLength} bytes`);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(written - stalled <= chunk.length * 2, 'the origin is paused while the client does not read');
    // Reading resumes the flow.
    let received = 0;
    c.on('data', (d: Buffer) => {
      received += d.length;
    });
    c.resume();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(received > stalled / 2, `received ${received}`);
    c.destroy();
    originSock?.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});

test('timeout client closes an idle connection', async () => {
  const o = await origin(() => undefined);
  const p = await start(listenModel(o.port, { client: 200, server: 5000, connect: 1000 }));
  try {
    const t0 = Date.now();
    const r = await exchange(p.port('li'), 'x', { end: false });
    const dt = Date.now() - t0;
    assert.ok(dt >= 180 && dt < 1500, `closed after ${dt} ms`);
    assert.equal(r.data.length, 0);
    await p.lifecycle.whenIdle();
  } finally {
    await p.stop();
    await o.close();
  }
});

test('timeout server closes a connection the server never answers', async () => {
  const o = await origin(() => undefined);
  const p = await start(listenModel(o.port, { client: 5000, server: 250, connect: 1000 }));
  try {
    const t0 = Date.now();
    let flags = '';
    p.runtime.addStreamEndHook((s) => {
      flags = s.terminationFlags;
    });
    await exchange(p.port('li'), 'x', { end: false });
    const dt = Date.now() - t0;
    assert.ok(dt >= 230 && dt < 1500, `closed after ${dt} ms`);
    await p.lifecycle.whenIdle();
    assert.equal(flags, 'sD');
  } finally {
    await p.stop();
    await o.close();
  }
});

test('activity in one direction keeps the other side alive (no independent-streams)', async () => {
  // The server streams a byte every 50 ms for 600 ms; the client never sends.
  const o = await origin((c) => {
    let n = 0;
    const t = setInterval(() => {
      c.write('.');
      if (++n === 12) {
        clearInterval(t);
        c.end();
      }
    }, 50);
    c.on('close', () => clearInterval(t));
  });
  const p = await start(listenModel(o.port, { client: 200, server: 200, connect: 1000 }));
  try {
    const r = await exchange(p.port('li'), '', { end: false });
    assert.equal(r.data.toString(), '.'.repeat(12));
  } finally {
    await p.stop();
    await o.close();
  }
});

test('timeout tunnel supersedes client and server timeouts once established', async () => {
  const o = await origin(() => undefined);
  const p = await start(listenModel(o.port, { client: 100, server: 100, tunnel: 500, connect: 1000 }));
  try {
    const t0 = Date.now();
    await exchange(p.port('li'), 'x', { end: false });
    const dt = Date.now() - t0;
    assert.ok(dt >= 450 && dt < 2000, `closed after ${dt} ms`);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('a reset client aborts the server side without touching other streams', async () => {
  const o = await origin(echoHandler);
  const p = await start(listenModel(o.port));
  try {
    const other = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    await new Promise((r) => other.on('connect', r));
    const bad = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    await new Promise((r) => bad.on('connect', r));
    bad.write('zz');
    await new Promise((r) => setTimeout(r, 50));
    bad.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.runtime.streams.size, 1);
    other.write('still alive');
    const echoed = await new Promise<string>((r) => other.once('data', (d: Buffer) => r(d.toString())));
    assert.equal(echoed, 'still alive');
    other.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});

test('timeout client-fin applies once the server has shut its side', async () => {
  const o = await origin((c) => c.end('done'));
  const p = await start(listenModel(o.port, { client: 5000, clientFin: 200, server: 5000, connect: 1000 }));
  try {
    const t0 = Date.now();
    let flags = '';
    p.runtime.addStreamEndHook((s) => {
      flags = s.terminationFlags;
    });
    const c = net.connect({ port: p.port('li'), host: '127.0.0.1', allowHalfOpen: true });
    c.on('error', () => undefined);
    // The client reads everything, FIN included, but never closes its side:
    // the proxy gives up after client-fin, not after timeout client.
    c.resume();
    await new Promise((r) => c.on('end', r));
    await p.lifecycle.whenIdle();
    const dt = Date.now() - t0;
    assert.ok(dt >= 180 && dt < 2000, `closed after ${dt} ms`);
    assert.equal(flags, 'cD');
    c.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});
