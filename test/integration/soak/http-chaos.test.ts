/**
 * Soak of `mode http` against servers that misbehave the way real ones do:
 * they close idle keep-alive connections after 20–200 ms without a word, close
 * after 1–20 requests, sometimes close right after an answer that did not say
 * so (`rudeclose`), and one of them dies in the middle of the run and comes
 * back. Idle pooled connections die under the proxy all the time here, which
 * is what a pool that keeps stale entries (commit e21c8b7) or never notices a
 * closed idle connection gets wrong.
 *
 * A request may then get a 502 or 503 (as with haproxy: a reused connection
 * closed under a request that was already sent, a server down with no retry
 * left), but never a malformed or truncated answer, never a hang, and after
 * the run the counters return to zero, the proxy answers at once and printed
 * no exception. `SOAK_AGAINST=haproxy` runs the same through haproxy 2.6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';
import { CONNS, probe, REQS, runSoak, seedConfig, sleep, soakOrigin, waitFor } from '../../helpers/soak.js';
import { assertIdle, assertNoException, deadPort, stateDump } from './tcp-kit.js';

const AGAINST = process.env['SOAK_AGAINST'] === 'haproxy' ? 'haproxy' : 'switchyard';
const SEED = Number(process.env['SOAK_SEED'] ?? 2000);

for (const reuse of ['always', 'safe']) {
  test(`chaos: servers closing idle connections, one dying mid-run (http-reuse ${reuse})`, async () => {
    const rude = { idleCloseMs: [20, 200] as const, maxPerConn: [1, 20] as const };
    const s1 = await soakOrigin({ name: 's1', seed: 21, ...rude });
    const s2 = await soakOrigin({ name: 's2', seed: 22, ...rude });
    const dead = await deadPort();
    let proxy: RunningProxy | undefined;
    try {
      proxy = await startProxy(AGAINST, seedConfig(reuse, true), { vars: { S1: s1.addr, S2: s2.addr, DEAD: String(dead) } });
      const p = proxy;
      let busy = { fe: 0, s2: false };
      const chaos = (async () => {
        await sleep(400);
        // The counters the idle check relies on do move under load.
        const d = await stateDump(p);
        busy = { fe: d.proxies.get('fe')?.fe ?? 0, s2: d.servers.get('app/s2')?.up ?? false };
        await s2.kill();
        await sleep(500);
        await s2.revive();
      })();
      const r = await runSoak({
        port: p.ports['fe']!, requests: 2000, concurrency: 24, seed: SEED + reuse.length,
        conns: CONNS, reqs: { ...REQS, rudeclose: 3 }, xff: '127.0.0.1', tolerated: [502, 503], dying: ['s2'],
      });
      await chaos;
      assert.deepEqual(r.failures, [], `${r.failureCount} failures; outcomes ${JSON.stringify(r.outcomes)}`);
      assert.ok(busy.fe > 0, 'the frontend counted connections during the run');
      const errors = (r.outcomes['status:502'] ?? 0) + (r.outcomes['status:503'] ?? 0);
      assert.ok((r.outcomes['ok'] ?? 0) > 10 * errors, `mostly answered: ${JSON.stringify(r.outcomes)}`);
      assert.equal(await probe(p.ports['fe']!), 200, 'a fresh request after the run');
      await assertIdle(p, 3000);
      assert.ok(await waitFor(() => s1.open.size + s2.open.size === 0, 4000), `origin connections left open: ${s1.open.size + s2.open.size}`);
      assertNoException(p);
    } finally {
      await proxy?.stop();
      await s1.close();
      await s2.close();
    }
  });
}
