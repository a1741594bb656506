/**
 * Streams waiting on a *server* queue (src/server/server.ts PendingQueue:
 * a hash balance or persistence picked a full server) that end while
 * queued: `timeout queue`, or a client that resets. Regression: an HTTP
 * stream ending there was "removed" from the backend queue first, which
 * only checked a `queued` flag: the backend queue's length went to -1, the
 * server's stayed at 1 for good, and the idle server then answered every
 * request with a 503 after `timeout queue` (it never took a connection
 * again). The same load in `mode tcp` (which kept track of its queue) is
 * checked alongside. Counters from the SIGHUP dump; the fresh request must
 * reach the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertIdle, assertNoException, client, launch, origin, pool, sleep, tally } from './tcp-kit.js';

const REQ = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

for (const mode of ['http', 'tcp'] as const) {
  test(`mode ${mode}: streams ending on a server queue leave it empty; the server still serves`, { timeout: 20000 }, async () => {
    const hang = await origin('hang');
    const p = await launch([
      'defaults',
      `  mode ${mode}`,
      '  timeout client 600ms',
      '  timeout server 400ms',
      '  timeout connect 300ms',
      '  timeout queue 200ms',
      'listen li',
      '  bind ${ADDR:li}',
      // `balance source` picks the one server even when it is full: the stream waits on its queue.
      '  balance source',
      `  server h1 127.0.0.1:${hang.port} maxconn 2`,
      '',
    ].join('\n'));
    try {
      const port = p.ports['li']!;
      for (let round = 0; round < 2; round++) {
        const [waiting, resets] = await Promise.all([
          pool(10, 10, () => client(port, { send: REQ, halfClose: false })),
          pool(10, 10, () => client(port, { send: REQ, halfClose: false, resetAfterMs: 50 })),
        ]);
        assert.equal(waiting.filter((r) => r.end === 'timeout').length, 0, JSON.stringify(tally(waiting)));
        assert.equal(resets.filter((r) => r.end === 'timeout').length, 0, JSON.stringify(tally(resets)));
        // Wait for the last server connections (timeout server) to end.
        await sleep(500);
        await assertIdle(p, 3000);
      }
      // The idle server takes the next connection at once (it is not stuck behind a phantom waiter).
      const before = hang.accepted;
      const fresh = await client(port, { send: REQ, halfClose: false });
      assert.equal(hang.accepted, before + 1, `the fresh connection did not reach the server: ${fresh.data.toString().split('\r\n')[0]}`);
      if (mode === 'http') assert.match(fresh.data.toString(), /^HTTP\/1\.1 504 /, 'the server was reached and timed out');
      assertNoException(p);
    } finally {
      await p.stop();
      await hang.close();
    }
  });
}
