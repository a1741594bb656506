/**
 * HTTP connection management in the running proxy (docs/http-connections.md):
 * option abortonclose, the idle pool's purge (pool-purge-delay), option
 * prefer-last-server with max-keep-alive-queue, timeout http-keep-alive.
 * Real sockets on 127.0.0.1 port 0; a raw origin records opens, requests and
 * closes with their times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadConfigText } from '../../helpers/load-config.js';
import { start, type Started } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RawOrigin {
  readonly port: number;
  /** `open cN`, `req cN <path>`, `close cN @<ms since start>`. */
  readonly log: string[];
  readonly t0: number;
  close(): void;
}

/** Answers each request (no bodies) with 200 and `<name>c<conn>` after `delayMs`. */
async function rawOrigin(name: string, delayMs = 0): Promise<RawOrigin> {
  const log: string[] = [];
  const t0 = performance.now();
  let n = 0;
  const socks = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    const id = n++;
    socks.add(s);
    log.push(`open c${id}`);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const path = buf.slice(0, i).split(' ')[1] ?? '';
        buf = buf.slice(i + 4);
        log.push(`req c${id} ${path}`);
        const body = `${name}c${id}`;
        setTimeout(() => s.writable && s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`), delayMs);
      }
    });
    s.on('end', () => s.end());
    s.on('error', () => {});
    s.on('close', () => {
      socks.delete(s);
      log.push(`close c${id} @${Math.round(performance.now() - t0)}`);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return { port, log, t0, close: () => { for (const s of socks) s.destroy(); srv.close(); } };
}

interface Client {
  send(s: string): void;
  read(ms: number): Promise<string>;
  end(): void;
  destroy(): void;
}

async function client(port: number): Promise<Client> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  let buf = '';
  let closed = false;
  s.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  s.on('close', () => (closed = true));
  await new Promise((r) => s.once('connect', r));
  return {
    send: (x) => void s.write(x),
    async read(ms) {
      await sleep(ms);
      const b = buf;
      buf = '';
      return b + (closed ? '<CLOSED>' : '');
    },
    end: () => void s.end(),
    destroy: () => void s.destroy(),
  };
}

async function proxyFor(cfg: string): Promise<Started> {
  let text = cfg;
  while (text.includes('bind 127.0.0.1:0')) text = text.replace('bind 127.0.0.1:0', `bind 127.0.0.1:${await freePort()}`);
  const r = loadConfigText(text);
  assert.deepEqual(r.alerts, []);
  return start(r.model);
}

const DEFAULTS = ['defaults', '  mode http', '  timeout connect 1s', '  timeout client 3s', '  timeout server 3s'];
const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

for (const abort of [false, true]) {
  test(`abortonclose ${abort ? 'on' : 'off'}: a queued request whose client closed ${abort ? 'is dropped' : 'is still served'}`, async () => {
    const o = await rawOrigin('o', 250);
    const p = await proxyFor([...DEFAULTS, 'listen li', '  bind 127.0.0.1:0', ...(abort ? ['  option abortonclose'] : []), `  server s1 127.0.0.1:${o.port} maxconn 1`, ''].join('\n'));
    try {
      const a = await client(p.port('li'));
      a.send(GET('/a'));
      await sleep(50);
      const b = await client(p.port('li'));
      b.send(GET('/b'));
      await sleep(30);
      b.end();
      const rb = await b.read(600);
      assert.match(await a.read(0), /^HTTP\/1.1 200 OK/);
      const reqs = o.log.filter((l) => l.startsWith('req'));
      if (abort) {
        assert.deepEqual(reqs, ['req c0 /a']);
        assert.equal(rb, '<CLOSED>');
      } else {
        assert.equal(reqs.length, 2);
        assert.match(reqs[1]!, / \/b$/);
      }
    } finally {
      await p.stop();
      o.close();
    }
  });
}

test('pool-purge-delay: one idle connection is closed by the third purge, as haproxy does', async () => {
  const o = await rawOrigin('o');
  const p = await proxyFor([...DEFAULTS, 'listen li', '  bind 127.0.0.1:0', `  server s1 127.0.0.1:${o.port} pool-purge-delay 150ms`, ''].join('\n'));
  try {
    const c = await client(p.port('li'));
    const t = performance.now() - o.t0;
    c.send(GET('/x'));
    assert.match(await c.read(100), /200 OK/);
    c.destroy();
    await sleep(700);
    const close = o.log.find((l) => l.startsWith('close c0'));
    assert.ok(close !== undefined, o.log.join(' | '));
    const at = Number(close.split('@')[1]) - t;
    // Purges at ~150, ~300, ~450 ms after the connection was parked.
    assert.ok(at > 350 && at < 650, `closed after ${at} ms`);
  } finally {
    await p.stop();
    o.close();
  }
});

// haproxy 2.6 prefers the last server through the session's connection
// list, which holds private connections only (`http-reuse never`): with
// shared ones the option changes nothing (test/compat/http/connection-reuse.test.ts).
for (const [prefer, never] of [[false, true], [true, true], [true, false]] as const) {
  test(`prefer-last-server ${prefer && never ? 'on: a client stays on its server' : prefer ? 'with shared connections: requests are balanced' : 'off: requests are balanced'}`, async () => {
    const o1 = await rawOrigin('a');
    const o2 = await rawOrigin('b');
    const p = await proxyFor([
      ...DEFAULTS, 'listen li', '  bind 127.0.0.1:0', ...(prefer ? ['  option prefer-last-server'] : []), ...(never ? ['  http-reuse never'] : []),
      `  server s1 127.0.0.1:${o1.port}`, `  server s2 127.0.0.1:${o2.port}`, '',
    ].join('\n'));
    try {
      const c = await client(p.port('li'));
      const bodies: string[] = [];
      for (const path of ['/1', '/2', '/3']) {
        c.send(GET(path));
        bodies.push((await c.read(80)).slice(-3));
      }
      if (prefer && never) assert.deepEqual(bodies, ['ac0', 'ac0', 'ac0']);
      else assert.deepEqual(bodies, ['ac0', 'bc0', 'ac0']);
    } finally {
      await p.stop();
      o1.close();
      o2.close();
    }
  });
}

for (const mkaq of [false, true]) {
  test(`prefer-last-server ${mkaq ? 'with max-keep-alive-queue 0 gives way when the last server is full' : 'waits in the last server queue'}`, async () => {
    const o1 = await rawOrigin('a', 200);
    const o2 = await rawOrigin('b');
    const p = await proxyFor([
      ...DEFAULTS, 'listen li', '  bind 127.0.0.1:0', '  option prefer-last-server', '  http-reuse never', ...(mkaq ? ['  max-keep-alive-queue 0'] : []), '  balance first',
      `  server s1 127.0.0.1:${o1.port} maxconn 1`, `  server s2 127.0.0.1:${o2.port} maxconn 1`, '',
    ].join('\n'));
    try {
      // B is served by s1 (balance first), then A occupies s1 and B asks again.
      const b = await client(p.port('li'));
      b.send(GET('/b1'));
      assert.match(await b.read(300), /ac0$/);
      const a = await client(p.port('li'));
      a.send(GET('/a'));
      await sleep(30);
      b.send(GET('/b2'));
      const r = await b.read(100);
      if (mkaq) assert.match(r, /bc0$/);
      else {
        assert.equal(r, '');
        assert.match(await b.read(400), /ac0$/);
      }
    } finally {
      await p.stop();
      o1.close();
      o2.close();
    }
  });
}

test('timeout http-keep-alive closes an idle client connection silently', async () => {
  const o = await rawOrigin('o');
  const p = await proxyFor([...DEFAULTS, '  timeout http-request 2s', '  timeout http-keep-alive 150ms', 'listen li', '  bind 127.0.0.1:0', `  server s1 127.0.0.1:${o.port}`, ''].join('\n'));
  try {
    const c = await client(p.port('li'));
    c.send(GET('/x'));
    assert.match(await c.read(80), /200 OK/);
    assert.equal(await c.read(350), '<CLOSED>');
  } finally {
    await p.stop();
    o.close();
  }
});
