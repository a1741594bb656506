/**
 * A server that answers a `tcp-check` with an endless stream of bytes.
 * haproxy reads one buffer (tune.bufsize, 16384) into the check, then
 * evaluates it as a last read: an expect that did not match fails at once
 * ("TCPCHK did not match content"). Switchyard kept reading and
 * concatenating until `inter` ran out (the check buffer reached tens of MiB,
 * by quadratic copies, and the server went DOWN for a timeout instead).
 * Differential against haproxy 2.6, plus an RSS bound on Switchyard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bothProxies, runtimeLines, sleep, waitFor } from '../../helpers/side-by-side.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { procSample } from './tcp-kit.js';

/** An origin that sends `head`, then (when `endless`) 'x' bytes as fast as the peer reads them. */
async function flood(head: string, endless: boolean): Promise<{ port: number; close(): Promise<void> }> {
  const chunk = Buffer.alloc(65536, 'x');
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => undefined);
    c.write(head);
    if (!endless) return;
    const pump = (): void => {
      while (!c.destroyed && c.write(chunk));
    };
    c.on('drain', pump);
    pump();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  return {
    port: typeof a === 'object' && a !== null ? a.port : 0,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

function config(port: number, expect: string): string {
  return [
    'defaults',
    '  mode tcp',
    '  timeout client 2s',
    '  timeout server 2s',
    '  timeout connect 1s',
    'listen li',
    '  bind ${ADDR:li}',
    '  option tcp-check',
    `  tcp-check expect string ${expect}`,
    `  server s1 127.0.0.1:${port} check inter 3s`,
    '',
  ].join('\n');
}

const skip = haproxyAvailable() ? false : 'haproxy not installed';

const CASES: Array<{ what: string; head: string; endless: boolean; expect: string; down: boolean }> = [
  { what: 'endless bytes, no match: DOWN at once, as haproxy', head: '', endless: true, expect: 'NEVERTHERE', down: true },
  { what: 'endless bytes, match in the first buffer: UP', head: 'hello MATCH ', endless: true, expect: 'MATCH', down: false },
  { what: 'the match lies past the first 16384 bytes: DOWN at once', head: `${'y'.repeat(17000)}MATCH`, endless: false, expect: 'MATCH', down: true },
];

for (const c of CASES) {
  test(`check input bounded by tune.bufsize: ${c.what}`, { skip, timeout: 15000 }, async () => {
    const o = await flood(c.head, c.endless);
    const [h, s] = await bothProxies(config(o.port, c.expect));
    try {
      const rss0 = procSample(s.pid).rssKiB;
      const downSeen = (): boolean => runtimeLines(h).some((l) => l.includes('is DOWN')) && runtimeLines(s).some((l) => l.includes('is DOWN'));
      // haproxy decides within milliseconds; well before `inter` (3 s) would time the check out.
      const sawDown = await waitFor(downSeen, c.down ? 2000 : 800);
      assert.equal(sawDown, c.down, `DOWN lines: ${JSON.stringify([runtimeLines(h), runtimeLines(s)])}`);
      if (!c.down) await sleep(100);
      const mask = (l: string): string => l.replace(/check duration: \d+ms/, 'check duration: <N>ms');
      assert.deepEqual(runtimeLines(s).map(mask), runtimeLines(h).map(mask));
      const grew = procSample(s.pid).rssKiB - rss0;
      assert.ok(grew < 16 * 1024, `Switchyard's RSS grew by ${grew} KiB while checking`);
    } finally {
      await Promise.all([h.stop(), s.stop()]);
      await o.close();
    }
  });
}
