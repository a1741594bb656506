/**
 * Soft stop, hard stop, hard-stop-after, the "Proxy X stopped" lines, the
 * SIGHUP state dump and layer-4 health checks with haproxy's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bind, deadPort, echoHandler, exchange, model, origin, proxy, server, start } from '../../helpers/model-builder.js';

const T = { client: 5000, server: 5000, connect: 1000 };

test('soft stop closes the listeners, lets streams finish, then resolves', async () => {
  const o = await origin(echoHandler);
  const p = await start(model([
    proxy({ kind: 'frontend', name: 'fe', binds: [bind('127.0.0.1:0')], defaultBackend: 'be', timeouts: T }),
    proxy({ kind: 'backend', name: 'be', servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T }),
    proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T }),
  ]));
  const port = p.port('fe');
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.write('a');
  await new Promise((r) => c.once('data', r));
  let stopped = false;
  const stopping = p.lifecycle.softStop().then(() => {
    stopped = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(stopped, false, 'waits for the running stream');
  assert.equal(p.lifecycle.activeStreams, 1);
  // New connections are refused once the listener is closed.
  const refused = await new Promise<string>((r) => {
    const x = net.connect({ port, host: '127.0.0.1' });
    x.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? ''));
    x.on('connect', () => r('connected'));
  });
  assert.equal(refused, 'ECONNREFUSED');
  // The existing stream still works.
  c.write('b');
  assert.equal(((await new Promise((r) => c.once('data', r))) as Buffer).toString(), 'b');
  c.end();
  await stopping;
  assert.equal(p.lifecycle.state, 'stopped');
  assert.deepEqual(p.reporter.messages(), [
    'Proxy fe stopped (cumulated conns: FE: 1, BE: 0).',
    'Proxy li stopped (cumulated conns: FE: 0, BE: 0).',
    'Proxy be stopped (cumulated conns: FE: 0, BE: 1).',
    'Proxy <HTTPCLIENT> stopped (cumulated conns: FE: 0, BE: 0).',
  ]);
  await o.close();
});

test('hard-stop-after kills the streams a soft stop waits for', async () => {
  const o = await origin(() => undefined);
  const m = model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T })], { hardStopAfter: 200 });
  const p = await start(m);
  const c = net.connect({ port: p.port('li'), host: '127.0.0.1' });
  c.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await p.lifecycle.softStop();
  const dt = Date.now() - t0;
  assert.ok(dt >= 180 && dt < 1500, `${dt} ms`);
  assert.equal(p.lifecycle.activeStreams, 0);
  await o.close();
});

test('hard stop kills everything at once', async () => {
  const o = await origin(() => undefined);
  const p = await start(model([proxy({ name: 'li', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T })]));
  const c = net.connect({ port: p.port('li'), host: '127.0.0.1' });
  c.on('error', () => undefined);
  const closed = new Promise((r) => c.on('close', r));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(p.lifecycle.activeStreams, 1);
  await p.lifecycle.hardStop();
  await closed;
  assert.equal(p.lifecycle.activeStreams, 0);
  await o.close();
});

test('SIGHUP state dump lines match haproxy 2.6', async () => {
  const o = await origin(echoHandler);
  const p = await start(model([
    proxy({ kind: 'frontend', name: 'fe', binds: [bind('127.0.0.1:0')], defaultBackend: 'be', timeouts: T }),
    proxy({ kind: 'backend', name: 'be', servers: [server('s1', `127.0.0.1:${o.port}`), server('s2', `127.0.0.1:${o.port}`, { backup: true })], timeouts: T }),
  ]));
  try {
    await exchange(p.port('fe'), 'x');
    await p.lifecycle.whenIdle();
    assert.deepEqual(p.runtime.stateDump(false), [
      'SIGHUP received, dumping servers states.',
      'SIGHUP: Proxy fe has no servers. Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 1+0.',
      'SIGHUP: Server be/s1 is UP. Conn: 0 act, 0 pend, 1 tot.',
      'SIGHUP: Server be/s2 is UP. Conn: 0 act, 0 pend, 0 tot.',
      'SIGHUP: Proxy be has 1 active servers and 1 backup servers available. Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 0+1.',
    ]);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('layer-4 checks take a refusing server DOWN and bring it back UP, with haproxy wording', async () => {
  const dead = await deadPort();
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0')], timeouts: T,
    servers: [server('s1', `127.0.0.1:${dead}`, { check: true, inter: 100, rise: 2, fall: 2 })],
  })]));
  try {
    const s1 = p.runtime.backends.get('li')!.servers[0]!;
    // Starts UP at health "rise": the first failure takes it down (haproxy 2.6 at startup).
    for (let i = 0; i < 40 && s1.operational === 'UP'; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(s1.operational, 'DOWN');
    const [down, none] = p.reporter.lines;
    assert.equal(down?.severity, 'warning');
    assert.match(down!.message, /^Server li\/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 0 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.$/);
    assert.deepEqual(none, { severity: 'alert', message: "proxy 'li' has no server available!" });
    // The port comes alive: after "rise" successes the server is UP again.
    const revived = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => revived.listen(dead, '127.0.0.1', () => r()));
    for (let i = 0; i < 40 && s1.operational === 'DOWN'; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(s1.operational, 'UP');
    assert.match(p.reporter.lines[2]!.message, /^Server li\/s1 is UP, reason: Layer4 check passed, check duration: \d+ms\. 1 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.$/);
    revived.close();
  } finally {
    await p.stop();
  }
});

test('a DOWN server gets no traffic; the backup takes over ("Running on backup")', async () => {
  const dead = await deadPort();
  const b = await origin((c) => c.end('backup'));
  const p = await start(model([proxy({
    kind: 'backend', name: 'be', timeouts: T,
    servers: [
      server('s1', `127.0.0.1:${dead}`, { check: true, inter: 100, fall: 1 }),
      server('b1', `127.0.0.1:${b.port}`, { backup: true }),
    ],
  }), proxy({ kind: 'frontend', name: 'fe', binds: [bind('127.0.0.1:0')], defaultBackend: 'be', timeouts: T })]));
  try {
    const s1 = p.runtime.backends.get('be')!.servers[0]!;
    for (let i = 0; i < 40 && s1.operational === 'UP'; i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(p.reporter.lines[0]!.message, /0 active and 1 backup servers left\. Running on backup\. 0 sessions active/);
    assert.equal(p.reporter.lines.length, 1, 'no "no server available" while a backup is up');
    assert.equal((await exchange(p.port('fe'), '')).data.toString(), 'backup');
  } finally {
    await p.stop();
    await b.close();
  }
});
