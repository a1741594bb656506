/**
 * Listeners and outgoing address families: port ranges and comma lists,
 * unix@ and abns@ on both sides, fd@ inherited sockets, bind failures worded
 * as haproxy's, maxconn pausing the accept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bind, echoHandler, exchange, model, origin, proxy, server, start, CaptureReporter } from '../../helpers/model-builder.js';
import { buildRuntime } from '../../../src/proxy/runtime.js';
import { Lifecycle } from '../../../src/proxy/lifecycle.js';

const T = { client: 2000, server: 2000, connect: 1000 };

async function freePorts(n: number): Promise<number> {
  // n consecutive free ports: try bases until all bind.
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const servers: net.Server[] = [];
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const s = net.createServer();
      ok = await new Promise<boolean>((r) => {
        s.once('error', () => r(false));
        s.listen(base + i, '127.0.0.1', () => r(true));
      });
      if (ok) servers.push(s);
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (ok) return base;
  }
  throw new Error('no consecutive free ports');
}

test('a bind line with a comma list and a port range opens one listener per port', async () => {
  const o = await origin(echoHandler);
  const base = await freePorts(4);
  const p = await start(model([proxy({
    name: 'li', binds: [bind([`127.0.0.1:${base}`, `127.0.0.1:${base + 1}-${base + 3}`])], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T,
  })]));
  try {
    assert.equal(p.runtime.frontends[0]!.listeners.length, 4);
    for (let i = 0; i < 4; i++) assert.equal((await exchange(base + i, `p${i}`)).data.toString(), `p${i}`);
  } finally {
    await p.stop();
    await o.close();
  }
});

test('unix@ bind with mode, unix and abns servers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-unix-'));
  const originPath = join(dir, 'origin.sock');
  const abnsName = `switchyard-test-${process.pid}`;
  const uo = net.createServer({ allowHalfOpen: true }, (c) => c.end('unix-origin'));
  const ao = net.createServer({ allowHalfOpen: true }, (c) => c.end('abns-origin'));
  await new Promise<void>((r) => uo.listen(originPath, () => r()));
  await new Promise<void>((r) => ao.listen(`\0${abnsName}`, () => r()));
  const front = join(dir, 'front.sock');
  const p = await start(model([
    proxy({ name: 'u', binds: [bind(`unix@${front}`, { unixMode: 0o600 })], servers: [server('s', `unix@${originPath}`)], timeouts: T }),
    proxy({ name: 'a', binds: [bind(`abns@${abnsName}-front`)], servers: [server('s', `abns@${abnsName}`)], timeouts: T }),
  ]));
  try {
    assert.equal(statSync(front).mode & 0o777, 0o600);
    const viaUnix = await new Promise<string>((resolve) => {
      const c = net.connect({ path: front, allowHalfOpen: true });
      let d = '';
      c.on('data', (x: Buffer) => (d += x.toString()));
      c.on('end', () => {
        c.end();
        resolve(d);
      });
    });
    assert.equal(viaUnix, 'unix-origin');
    const viaAbns = await new Promise<string>((resolve) => {
      const c = net.connect({ path: `\0${abnsName}-front`, allowHalfOpen: true });
      let d = '';
      c.on('data', (x: Buffer) => (d += x.toString()));
      c.on('end', () => {
        c.end();
        resolve(d);
      });
    });
    assert.equal(viaAbns, 'abns-origin');
    assert.ok(!existsSync(`${front}.${process.pid}.tmp`));
  } finally {
    await p.stop();
    uo.close();
    ao.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fd@ bind serves a listening socket inherited from the parent process', async () => {
  const o = await origin(echoHandler);
  // The parent opens the socket and hands it down as descriptor 3, as a
  // supervisor (or haproxy's master) would.
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const a = holder.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  const fd = (holder as unknown as { _handle: { fd: number } })._handle.fd;
  const helpers = new URL('../../helpers/model-builder.js', import.meta.url).href;
  const code = `
    import { start, model, proxy, bind, server } from ${JSON.stringify(helpers)};
    const p = await start(model([proxy({ name: 'li', binds: [bind('fd@3')], servers: [server('s1', '127.0.0.1:${o.port}')],
      timeouts: { client: 2000, server: 2000, connect: 1000 } })]));
    process.stdout.write('ready\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit', fd] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      child.once('exit', (c) => reject(new Error(`child exited ${String(c)}`)));
    });
    // Only the child may accept from now on.
    await new Promise((r) => holder.close(r));
    assert.equal((await exchange(port, 'via-fd')).data.toString(), 'via-fd');
  } finally {
    child.kill('SIGKILL');
    await o.close();
    if (holder.listening) holder.close();
  }
});

test('bind failures are reported like haproxy, in its protocol order, and nothing stays bound', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const a = busy.address();
  const busyPort = typeof a === 'object' && a !== null ? a.port : 0;
  const abns = `switchyard-busy-${process.pid}`;
  const busyAbns = net.createServer();
  await new Promise<void>((r) => busyAbns.listen(`\0${abns}`, () => r()));
  const reporter = new CaptureReporter();
  const fe = proxy({ kind: 'frontend', name: 'fe', line: 8, timeouts: T, binds: [
    bind('unix@/nonexistent-dir/x.sock', { place: { file: 'test.cfg', line: 9 } }),
    bind(`127.0.0.1:${busyPort}`, { place: { file: 'test.cfg', line: 10 } }),
    bind(`abns@${abns}`, { place: { file: 'test.cfg', line: 11 } }),
    bind('127.0.0.1:0', { place: { file: 'test.cfg', line: 12 } }),
  ] });
  const li = proxy({ name: 'li', timeouts: T, binds: [bind(`127.0.0.1:${busyPort}`, { place: { file: 'test.cfg', line: 14 } })] });
  const { runtime } = buildRuntime(model([fe, li]), { reporter });
  const lc = new Lifecycle(runtime, { progname: '/usr/sbin/haproxy' });
  try {
    const r = await lc.start();
    assert.equal(r.ok, false);
    assert.equal(r.addressInUse, false);
    assert.deepEqual(reporter.messages(), [
      `Binding [test.cfg:10] for frontend fe: cannot bind socket (Address already in use) for [127.0.0.1:${busyPort}]`,
      `Binding [test.cfg:14] for proxy li: cannot bind socket (Address already in use) for [127.0.0.1:${busyPort}]`,
      'Binding [test.cfg:9] for frontend fe: cannot bind UNIX socket (No such file or directory) [/nonexistent-dir/x.sock]',
      'Binding [test.cfg:11] for frontend fe: cannot bind UNIX socket (already in use) []',
      '[/usr/sbin/haproxy.main()] Some protocols failed to start their listeners! Exiting.',
    ]);
    assert.ok(reporter.lines.every((l) => l.severity === 'alert'));
    assert.ok(runtime.listeners.every((l) => l.server === undefined), 'the listener that did bind was closed');
  } finally {
    busy.close();
    busyAbns.close();
  }
});

test('bind maxconn pauses accepting: the next client waits unserved until a slot frees', async () => {
  const conns: net.Socket[] = [];
  const o = await origin((c) => {
    conns.push(c);
    c.pipe(c);
  });
  const p = await start(model([proxy({
    name: 'li', binds: [bind('127.0.0.1:0', { maxconn: 1 })], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T,
  })]));
  try {
    const first = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    first.write('1');
    await new Promise((r) => first.once('data', r));
    const second = net.connect({ port: p.port('li'), host: '127.0.0.1' });
    let secondGot = '';
    second.on('data', (d: Buffer) => (secondGot += d.toString()));
    second.write('2');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(conns.length, 1, 'the second connection was not forwarded');
    assert.equal(secondGot, '');
    first.destroy();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(conns.length, 2);
    assert.equal(secondGot, '2');
    second.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});

test('global maxconn is shared by every frontend', async () => {
  const conns: net.Socket[] = [];
  const o = await origin((c) => {
    conns.push(c);
    c.pipe(c);
  });
  const p = await start(model([
    proxy({ name: 'a', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T }),
    proxy({ name: 'b', binds: [bind('127.0.0.1:0')], servers: [server('s1', `127.0.0.1:${o.port}`)], timeouts: T }),
  ], { maxconn: 1 }));
  try {
    const c1 = net.connect({ port: p.port('a'), host: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 100));
    const c2 = net.connect({ port: p.port('b'), host: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(conns.length, 1);
    c1.destroy();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(conns.length, 2);
    c2.destroy();
  } finally {
    await p.stop();
    await o.close();
  }
});

test('IPv6 loopback bind and server', async (t) => {
  const probe = net.createServer();
  const ok = await new Promise<boolean>((r) => {
    probe.once('error', () => r(false));
    probe.listen(0, '::1', () => r(true));
  });
  probe.close();
  if (!ok) {
    t.skip('no ::1 on this machine');
    return;
  }
  const o6 = net.createServer({ allowHalfOpen: true }, echoHandler);
  await new Promise<void>((r) => o6.listen(0, '::1', () => r()));
  const a = o6.address();
  const oport = typeof a === 'object' && a !== null ? a.port : 0;
  const p = await start(model([proxy({ name: 'li', binds: [bind('[::1]:0')], servers: [server('s1', `[::1]:${oport}`)], timeouts: T })]));
  try {
    const r = await new Promise<string>((resolve) => {
      const c = net.connect({ port: p.port('li'), host: '::1', allowHalfOpen: true });
      let d = '';
      c.on('data', (x: Buffer) => (d += x.toString()));
      c.on('end', () => {
        c.end();
        resolve(d);
      });
      c.end('six');
    });
    assert.equal(r, 'six');
  } finally {
    await p.stop();
    o6.close();
  }
});
