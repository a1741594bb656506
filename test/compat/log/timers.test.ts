/**
 * HTTP timers with real values (configuration.txt §8.4), compared with
 * haproxy 2.6: every timer of §8.2.6 printed by a custom log-format, the
 * -1 of phases not reached compared exactly, the others masked, then
 * checked for their size on both sides where the scenario fixes it (the
 * idle time before a keep-alive request, the time spent in a queue, a queue
 * timeout, a slow response body). Also %sq/%bq and `tune.http.logurilen`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { httpOrigin } from '../../helpers/origins.js';
import { exchange, logLines, maskLine, sleep } from './log-helpers.js';

const FORMAT = 'T=%Th/%Ti/%TR/%Tq/%Tw/%Tc/%Tr/%Td/%Ta/%Tt/%Tu %ST %ts Q=%sq/%bq %{+Q}r';
const NAMES = ['Th', 'Ti', 'TR', 'Tq', 'Tw', 'Tc', 'Tr', 'Td', 'Ta', 'Tt', 'Tu'] as const;

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
  tune.http.logurilen 40
defaults
  mode http
  log global
  timeout connect 1s
  timeout client 3s
  timeout server 3s
frontend fe
  bind \${ADDR:fe}
  log-format "${FORMAT}"
  http-request deny if { path /deny }
  use_backend refused if { path /refused }
  use_backend slowsrv if { path /s504 }
  use_backend one if { path_beg /one }
  default_backend be
backend be
  server s1 \${ORIGIN}
backend one
  timeout queue 250ms
  server s1 \${ORIGIN} maxconn 1
backend refused
  retries 0
  server s1 127.0.0.1:\${DEAD}
backend slowsrv
  timeout server 200ms
  server s1 \${ORIGIN}
`;

type Timers = Record<(typeof NAMES)[number], number>;
function timersOf(line: string): Timers {
  const m = /T=([-\d/]+) /.exec(line);
  assert.ok(m !== null, line);
  const v = m[1]!.split('/').map(Number);
  return Object.fromEntries(NAMES.map((n, i) => [n, v[i]!])) as Timers;
}
/** What is compared between the two: -1 where a phase was not reached, N elsewhere. */
const shape = (l: string): string => maskLine(l).replace(/T=([-\d/]+) /, (_m, g: string) => `T=${g.split('/').map((x) => (x === '-1' ? '-1' : 'N')).join('/')} `);

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const get = (path: string, close = true): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

/** Sends `first`, waits `ms`, sends `second` on the same connection, then reads until it closes. */
function twoOnOne(port: number, first: string, ms: number, second: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d) => (got += d.toString('latin1')));
    c.on('error', () => undefined);
    c.on('close', () => resolve(got));
    c.write(first);
    setTimeout(() => c.write(second), ms);
    setTimeout(() => c.destroy(), 3000);
  });
}

async function run(kind: 'haproxy' | 'switchyard', origin: string, dead: number): Promise<string[]> {
  const r = await logLines(kind, CONFIG, async (p) => {
    const port = p.ports['fe']!;
    await exchange(port, get('/plain'));
    await sleep(30);
    // Idle 200 ms before the second request of a keep-alive connection (the server connection is reused).
    await twoOnOne(port, get('/ka1', false), 200, get('/ka2'));
    await sleep(30);
    await exchange(port, get('/deny'));
    await sleep(30);
    await exchange(port, get('/refused'));
    await sleep(30);
    await exchange(port, get('/s504'));
    await sleep(30);
    // maxconn 1: /one-mid holds the server 200 ms; /one-q waits in the queue, then is served.
    const mid = exchange(port, get('/one-mid'));
    await sleep(50);
    await exchange(port, get('/one-q'));
    await mid;
    await sleep(30);
    // /one-slow holds it 400 ms: /one-timeout leaves the queue after its 250 ms (sQ).
    const slow = exchange(port, get('/one-slow'));
    await sleep(50);
    await exchange(port, get('/one-timeout'));
    await slow;
    await sleep(30);
    await exchange(port, 'GARBAGE\r\n\r\n');
    await sleep(30);
    await exchange(port, get(`/${'x'.repeat(60)}?q=1`));
  }, { ORIGIN: origin, DEAD: String(dead) }, 200);
  return r.lines;
}

test('HTTP timers: -1 where haproxy prints -1, real values elsewhere; %sq/%bq; tune.http.logurilen', async () => {
  const origin = await httpOrigin({
    respond: (req) => (req.target === '/s504' ? 'hang' : req.target === '/one-slow' ? { body: 'slow', delayMs: 400 } : req.target === '/one-mid' ? { body: 'mid', delayMs: 200 } : { body: 'ok' }),
  });
  const dead = await deadPort();
  try {
    const h = await run('haproxy', origin.addr, dead);
    const s = await run('switchyard', origin.addr, dead);
    // Lines of concurrent requests come in completion order: compare them by request.
    const byReq = (lines: string[]): string[] => [...lines].map(shape).sort();
    assert.equal(h.length, 12, JSON.stringify(h, null, 1));
    assert.deepEqual(byReq(s), byReq(h));
    for (const lines of [h, s]) {
      const find = (re: RegExp, nth = 0): Timers => timersOf(lines.filter((l) => re.test(l))[nth]!);
      // The second request of the connection idled ~200 ms: Ti, and Tt = Ti + Ta, Tu = Tt - Ti.
      const ka2 = find(/ka2/);
      assert.ok(ka2.Ti >= 150 && ka2.Ti < 600, `Ti ${ka2.Ti}`);
      assert.equal(ka2.Tu, ka2.Tt - ka2.Ti);
      assert.equal(ka2.Ta, ka2.Tt - ka2.Ti - ka2.Th);
      assert.equal(ka2.Tq, ka2.Th + ka2.Ti + ka2.TR);
      // Served after waiting for /one-mid (~150 ms): Tw.
      const q = find(/"GET \/one-q /);
      assert.ok(q.Tw >= 100 && q.Tw < 700, `Tw ${q.Tw}`);
      // The 250 ms queue timeout.
      const to = find(/one-timeout/);
      assert.ok(to.Tw >= 240 && to.Tw < 900, `Tw ${to.Tw}`);
      // The slow response's body: Td covers it (Tr small).
      const slow = find(/"GET \/one-slow /);
      assert.ok(slow.Tr >= 350, `Tr ${slow.Tr}`);
      // The 200 ms server timeout.
      const t504 = find(/s504/);
      assert.ok(t504.Tt >= 190, `Tt ${t504.Tt}`);
    }
  } finally {
    await origin.close();
  }
});
