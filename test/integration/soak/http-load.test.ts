/**
 * Soak of a seed-like `mode http` proxy under every http-reuse mode: a few
 * thousand requests mixing keep-alive, pipelining, chunked uploads, 100-continue,
 * slow readers, aborts on both sides, bad requests, slowloris, HTTP/1.0 and
 * websocket upgrades (test/helpers/soak.ts). Every request must get a complete,
 * well-formed answer or its documented error (403 deny, 302 redirect, 503 no
 * server, 504 timeout server, 408 timeout http-request, 400 bad request, 502
 * server reset); no connection may hang; afterwards the proxy answers at once,
 * its connection counters (SIGHUP dump) are back to zero and it printed no
 * exception. What this would have caught: the server-pool purge freeze of
 * commit e21c8b7 (pool-purge-delay 100ms makes purges run during the test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';
import { CONNS, probe, REQS, runSoak, seedConfig, soakOrigin, waitFor } from '../../helpers/soak.js';
import { assertIdle, assertNoException, deadPort } from './tcp-kit.js';

/** `SOAK_AGAINST=haproxy` runs the same soak through haproxy 2.6 (to tell its behaviour from ours). */
const AGAINST = process.env['SOAK_AGAINST'] === 'haproxy' ? 'haproxy' : 'switchyard';
/** `SOAK_SEED=n` replays or varies a run (the seed is in every failure message). */
const SEED = Number(process.env['SOAK_SEED'] ?? 1000);
for (const reuse of ['always', 'safe', 'never']) {
  test(`soak: http-reuse ${reuse}, every request answered, counters back to zero`, async () => {
    const s1 = await soakOrigin({ name: 's1', seed: 11 });
    const s2 = await soakOrigin({ name: 's2', seed: 12 });
    const dead = await deadPort();
    let proxy: RunningProxy | undefined;
    try {
      proxy = await startProxy(AGAINST, seedConfig(reuse), { vars: { S1: s1.addr, S2: s2.addr, DEAD: String(dead) } });
      const r = await runSoak({ port: proxy.ports['fe']!, requests: 1500, concurrency: 24, seed: SEED + reuse.length, conns: CONNS, reqs: REQS, xff: '127.0.0.1' });
      assert.deepEqual(r.failures, [], `${r.failureCount} failures; outcomes ${JSON.stringify(r.outcomes)}`);
      assert.ok((r.outcomes['ok'] ?? 0) > 500, JSON.stringify(r.outcomes));
      assert.equal(await probe(proxy.ports['fe']!), 200, 'a fresh request after the run');
      await assertIdle(proxy, 3000);
      // pool-purge-delay 100ms: the idle server connections are closed within a few purges.
      assert.ok(await waitFor(() => s1.open.size + s2.open.size === 0, 2000), `origin connections left open: ${s1.open.size + s2.open.size}`);
      assertNoException(proxy);
    } finally {
      await proxy?.stop();
      await s1.close();
      await s2.close();
    }
  });
}
