/**
 * Connection failures: retries on the same server with haproxy's turn-around
 * delay, `option redispatch`, counters, no usable server, queueing on
 * `maxconn` with `timeout queue`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bind, deadPort, echoHandler, exchange, model, origin, proxy, server, start } from '../../helpers/model-builder.js';

test('connect refused, no redispatch: retries on the same server with a turn-around delay, then FIN', async () => {
  const dead = await deadPort();
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${dead}`)], retries: 2,
    timeouts: { client: 5000, server: 5000, connect: 100 },
  })]));
  try {
    const t0 = Date.now();
    let flags = '';
    p.runtime.addStreamEndHook((s) => {
      flags = s.terminationFlags;
    });
    const r = await exchange(p.port('li'), 'hello');
    const dt = Date.now() - t0;
    assert.equal(r.data.length, 0);
    assert.equal(r.error, undefined, 'a clean FIN, not a reset');
    // Two retries, each after min(timeout connect, 1s) = 100 ms.
    assert.ok(dt >= 190 && dt < 1000, `gave up after ${dt} ms`);
    const be = p.runtime.backends.get('li')!;
    const s1 = be.servers[0]!;
    assert.equal(s1.counters.retries, 2);
    assert.equal(s1.counters.connectFailures, 1);
    assert.equal(be.counters.connectFailures, 1);
    assert.equal(s1.served, 0);
    await p.lifecycle.whenIdle();
    assert.equal(flags, 'SC');
  } finally {
    await p.stop();
  }
});

test('option redispatch with roundrobin: the retry goes to another server immediately', async () => {
  const dead = await deadPort();
  const o = await origin(echoHandler);
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], retries: 3, options: { redispatch: true },
    servers: [server('bad', `127.0.0.1:${dead}`), server('good', `127.0.0.1:${o.port}`)],
    timeouts: { client: 5000, server: 5000, connect: 1000 },
  })]));
  try {
    const be = p.runtime.backends.get('li')!;
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now();
      const r = await exchange(p.port('li'), `ping${i}`);
      assert.equal(r.data.toString(), `ping${i}`);
      assert.ok(Date.now() - t0 < 500, 'no turn-around delay when redispatching');
    }
    const [bad, good] = be.servers;
    // Without checks "bad" stays UP: the round robin alternates bad, good and
    // every attempt on bad is redispatched to good.
    assert.equal(bad!.counters.redispatches, 4);
    assert.equal(be.counters.redispatches, 4);
    assert.equal(good!.counters.cumConns, 4);
    assert.equal(bad!.counters.connectFailures, 0);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('no usable server: immediate FIN', async () => {
  const o = await origin(echoHandler);
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`, { disabled: true })],
    timeouts: { client: 5000, server: 5000, connect: 1000 },
  })]));
  try {
    const t0 = Date.now();
    const r = await exchange(p.port('li'), 'x');
    assert.equal(r.data.length, 0);
    assert.equal(r.error, undefined);
    assert.ok(Date.now() - t0 < 500);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('frontend without backend closes the connection', async () => {
  const p = await start(model([proxy({ kind: 'frontend', name: 'fe', binds: [bind('127.0.0.1:0')], timeouts: { client: 1000 } })]));
  try {
    const r = await exchange(p.port('fe'), 'x');
    assert.equal(r.data.length, 0);
  } finally {
    await p.stop();
  }
});

test('default_backend and use_backend route to the named backend', async () => {
  const a = await origin((c) => c.end('A'));
  const b = await origin((c) => c.end('B'));
  const t = { client: 1000, server: 1000, connect: 1000 };
  const p = await start(model([
    proxy({ kind: 'frontend', name: 'fe1', binds: [bind('127.0.0.1:0')], defaultBackend: 'ba', timeouts: t }),
    proxy({ kind: 'frontend', name: 'fe2', binds: [bind('127.0.0.1:0')], useBackends: ['bb'], defaultBackend: 'ba', timeouts: t }),
    proxy({ kind: 'backend', name: 'ba', servers: [server('s', `127.0.0.1:${a.port}`)], timeouts: t }),
    proxy({ kind: 'backend', name: 'bb', servers: [server('s', `127.0.0.1:${b.port}`)], timeouts: t }),
  ]));
  try {
    assert.equal((await exchange(p.port('fe1'), '')).data.toString(), 'A');
    assert.equal((await exchange(p.port('fe2'), '')).data.toString(), 'B');
  } finally {
    await p.stop();
    await a.close();
    await b.close();
  }
});

test('server maxconn queues the next connection until a slot frees (FIFO)', async () => {
  const held: net.Socket[] = [];
  const o = await origin((c) => {
    held.push(c);
    c.on('data', (d: Buffer) => c.end(d));
  });
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`, { maxconn: 1 })],
    timeouts: { client: 5000, server: 5000, connect: 1000, queue: 3000 },
  })]));
  try {
    const first = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    await new Promise((r) => first.on('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    const secondDone = exchange(p.port('li'), 'second');
    await new Promise((r) => setTimeout(r, 100));
    const be = p.runtime.backends.get('li')!;
    assert.equal(be.queue.length, 1, 'the second stream waits in the backend queue');
    assert.equal(held.length, 1, 'the origin saw only one connection');
    first.end('first');
    const r = await secondDone;
    assert.equal(r.data.toString(), 'second');
    assert.equal(be.servers[0]!.counters.maxConns, 1);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('timeout queue closes a stream that waited too long', async () => {
  const o = await origin(() => undefined);
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`, { maxconn: 1 })],
    timeouts: { client: 5000, server: 5000, connect: 1000, queue: 150 },
  })]));
  try {
    const first = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    await new Promise((r) => first.on('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    let flags = '';
    p.runtime.addStreamEndHook((s) => {
      flags = s.terminationFlags;
    });
    const t0 = Date.now();
    const r = await exchange(p.port('li'), 'x');
    const dt = Date.now() - t0;
    assert.equal(r.data.length, 0);
    assert.ok(dt >= 130 && dt < 1000, `${dt} ms`);
    assert.equal(flags, 'sQ');
    assert.equal(p.runtime.backends.get('li')!.counters.queueTimeouts, 1);
    first.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});
