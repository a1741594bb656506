/**
 * Soak: `mode tcp` under abuse, on the three data paths (docs/tcp-data-path.md).
 * One proxy process, one listen section per kind of trouble:
 *   - clients that reset mid-stream (while receiving a bulk echo, right
 *     after sending, while queued), clients that never send (`timeout
 *     client`), half-closes from each side (the server's FIN first);
 *   - servers that refuse, accept and close, accept and reset, or never
 *     answer (`timeout server`), with `retries` and `option redispatch`;
 *   - a server saturated by `maxconn` with `maxqueue` and `timeout queue`.
 * Then: no client hung, the good bytes are intact, the counters of every
 * proxy and server are back to idle (SIGHUP dump), nothing was thrown, RSS
 * did not keep growing over repeated rounds and a fresh connection works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertIdle, assertNoException, BANNER, client, deadPort, launch, origin, payload, pool, procSample, sha, tally,
  type ClientResult, type DataPath, type Origin,
} from './tcp-kit.js';
import type { RunningProxy } from '../../helpers/processes.js';

interface PathCase {
  name: string;
  path: DataPath;
  /** Lines added to every listen section. */
  lines: string[];
}

const CASES: PathCase[] = [
  { name: 'raw handles', path: 'raw', lines: [] },
  { name: 'net.Socket', path: 'socket', lines: [] },
  { name: 'layer-4 rules', path: 'raw', lines: ['  tcp-request inspect-delay 100ms', '  tcp-request content accept if { req.len gt 0 }'] },
];

interface Backends {
  echo: Origin[];
  banner: Origin;
  digest: Origin;
  close: Origin;
  reset: Origin;
  hang: Origin;
  dead: number;
}

function config(extra: string[], b: Backends): string {
  const listen = (name: string, ...lines: string[]): string[] => ['', `listen ${name}`, `  bind \${ADDR:${name}}`, ...extra, ...lines];
  return [
    'global',
    '  maxconn 20000',
    'defaults',
    '  mode tcp',
    '  timeout client 2s',
    '  timeout server 2s',
    '  timeout connect 300ms',
    ...listen('echo', ...b.echo.map((o, i) => `  server e${i + 1} 127.0.0.1:${o.port}`)),
    ...listen('banner', `  server b1 127.0.0.1:${b.banner.port}`),
    ...listen('digest', `  server d1 127.0.0.1:${b.digest.port}`),
    ...listen('bad',
      '  retries 2', '  option redispatch', '  timeout server 300ms',
      `  server dead 127.0.0.1:${b.dead}`,
      `  server close 127.0.0.1:${b.close.port}`,
      `  server reset 127.0.0.1:${b.reset.port}`,
      `  server hang 127.0.0.1:${b.hang.port}`,
      `  server echo 127.0.0.1:${b.echo[0]!.port}`),
    ...listen('queue', '  timeout queue 300ms', '  timeout server 300ms', `  server h1 127.0.0.1:${b.hang.port} maxconn 3 maxqueue 5`),
    ...listen('idle', '  timeout client 300ms', `  server e1 127.0.0.1:${b.echo[1]!.port}`),
    '',
  ].join('\n');
}

/** No client may hang: a 'timeout' is the client giving up after 4 s. */
function assertNoHang(what: string, rs: readonly ClientResult[]): void {
  const hung = rs.filter((r) => r.end === 'timeout').length;
  assert.equal(hung, 0, `${what}: ${hung} clients hung (${JSON.stringify(tally(rs))})`);
}

/** One round of every kind of trouble, concurrently. */
async function round(p: RunningProxy, b: Backends): Promise<void> {
  const port = (n: string): number => p.ports[n]!;
  const [good, resetBulk, resetEarly, banner, digest, bad, queued, queuedReset, idle] = await Promise.all([
    pool(300, 30, async () => {
      const d = payload(200);
      const r = await client(port('echo'), { send: d });
      return { r, ok: r.end === 'close' && sha(r.data) === sha(d) };
    }),
    pool(6, 3, () => client(port('echo'), { send: payload(1 << 20), chunk: 16384, resetAfter: 100000 })),
    pool(100, 20, () => client(port('echo'), { send: payload(5000), resetAfter: 0 })),
    pool(40, 10, async () => {
      const d = payload(3000);
      const r = await client(port('banner'), { send: d, sendAfterEnd: true });
      return { r, digest: sha(d), ok: r.end === 'close' && r.data.equals(BANNER) };
    }),
    pool(40, 10, async () => {
      const d = payload(70000);
      const r = await client(port('digest'), { send: d, chunk: 8192 });
      return { r, ok: r.end === 'close' && r.data.toString() === sha(d) };
    }),
    pool(100, 20, async () => {
      const d = payload(100);
      const r = await client(port('bad'), { send: d });
      // Either the echo server answered (whole), or the stream was closed with nothing.
      return { r, ok: (r.data.length === 0 && r.end !== 'timeout') || sha(r.data) === sha(d) };
    }),
    pool(20, 20, () => client(port('queue'), { send: payload(10) })),
    pool(10, 10, () => client(port('queue'), { send: payload(10), halfClose: false, resetAfterMs: 50 })),
    pool(30, 30, () => client(port('idle'), { halfClose: false })),
  ]);
  const badGood = good.filter((x) => !x.ok);
  assert.equal(badGood.length, 0, `echo: ${JSON.stringify(tally(badGood.map((x) => x.r)))}`);
  assertNoHang('echo, reset mid-stream', resetBulk);
  assertNoHang('echo, reset after sending', resetEarly);
  assert.deepEqual(banner.filter((x) => !x.ok).map((x) => [x.r.end, x.r.data.length]), [], 'banner: the server FIN first');
  const badDigest = digest.filter((x) => !x.ok);
  assert.deepEqual(badDigest.map((x) => [x.r.end, x.r.data.toString()]), [], 'digest: the client FIN first');
  const badBad = bad.filter((x) => !x.ok);
  assert.deepEqual(badBad.map((x) => [x.r.end, x.r.code, x.r.data.length]), [], 'bad servers');
  assertNoHang('queue', queued);
  assertNoHang('queue, reset while queued', queuedReset);
  assertNoHang('idle clients', idle);
  // The banner origin got every client's bytes after its own FIN.
  for (const x of banner) assert.ok(b.banner.digests.includes(x.digest), 'banner: the client bytes sent after the server FIN arrived');
}

for (const c of CASES) {
  test(`${c.name}: aborts, half-closes, bad servers, queues: no hang, idle after, no growth`, { timeout: 30000 }, async () => {
    const b: Backends = {
      echo: [await origin('echo'), await origin('echo')],
      banner: await origin('banner'),
      digest: await origin('digest'),
      close: await origin('close'),
      reset: await origin('reset'),
      hang: await origin('hang'),
      dead: await deadPort(),
    };
    const p = await launch(config(c.lines, b), c.path);
    try {
      const rss: number[] = [];
      for (let i = 0; i < 3; i++) {
        await round(p, b);
        await assertIdle(p, 3000);
        rss.push(procSample(p.pid).rssKiB);
      }
      assert.ok(rss[2]! - rss[1]! < 24 * 1024, `RSS keeps growing: ${rss.join(', ')} KiB`);
      const fresh = await client(p.ports['echo']!, { send: Buffer.from('still there') });
      assert.equal(fresh.data.toString(), 'still there');
      assertNoException(p);
    } finally {
      await p.stop();
      for (const o of [...b.echo, b.banner, b.digest, b.close, b.reset, b.hang]) await o.close();
    }
  });
}
