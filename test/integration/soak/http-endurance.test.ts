/**
 * What only shows after many requests: memory that grows batch after batch
 * (a per-connection or per-server structure that is never emptied), and the
 * lead's wrk pattern (several `wrk -c50 -d1s` runs in a row with pauses longer
 * than pool-purge-delay), which froze the proxy before commit e21c8b7 when
 * the server pool's purge went quadratic on stale entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';
import { curl } from '../../helpers/clients.js';
import { CONNS, REQS, runSoak, seedConfig, sleep, soakOrigin } from '../../helpers/soak.js';
import { assertIdle, assertNoException, deadPort, procSample } from './tcp-kit.js';

const run = promisify(execFile);

test('RSS does not keep growing over repeated soak batches (batch 6 vs batch 3)', async (t) => {
  const s1 = await soakOrigin({ name: 's1', seed: 31, idleCloseMs: [50, 300] });
  const s2 = await soakOrigin({ name: 's2', seed: 32 });
  const dead = await deadPort();
  let proxy: RunningProxy | undefined;
  try {
    proxy = await startProxy('switchyard', seedConfig('always'), { vars: { S1: s1.addr, S2: s2.addr, DEAD: String(dead) } });
    const rss: number[] = [];
    // No hangs and no slowloris here: only the bytes that go through matter.
    const conns = { ...CONNS, slowloris: 0 };
    const reqs = { ...REQS, hang: 0 };
    for (let batch = 1; batch <= 6; batch++) {
      const r = await runSoak({ port: proxy.ports['fe']!, requests: 500, concurrency: 16, seed: 3000 + batch, conns, reqs, maxBody: 16384, tolerated: [502] });
      assert.deepEqual(r.failures, [], `batch ${batch}: ${r.failureCount} failures`);
      await assertIdle(proxy, 3000);
      rss.push(procSample(proxy.pid).rssKiB);
    }
    // Generous: V8 grows its heap in steps; a leak of even 1 KiB per request
    // would add ~1.5 MiB per batch and keep climbing.
    const growth = (rss[5]! - rss[2]!) / 1024;
    t.diagnostic(`RSS KiB after each batch: ${rss.join(', ')}`);
    assert.ok(growth < 24, `RSS grew ${growth.toFixed(1)} MiB from batch 3 to batch 6 (KiB per batch: ${rss.join(', ')})`);
    assertNoException(proxy);
  } finally {
    await proxy?.stop();
    await s1.close();
    await s2.close();
  }
});

test('wrk three times in a row with pauses longer than pool-purge-delay, then curl answers at once', async () => {
  const s1 = await soakOrigin({ name: 's1', seed: 41 });
  const s2 = await soakOrigin({ name: 's2', seed: 42 });
  const dead = await deadPort();
  let proxy: RunningProxy | undefined;
  try {
    proxy = await startProxy('switchyard', seedConfig('always'), { vars: { S1: s1.addr, S2: s2.addr, DEAD: String(dead) } });
    const url = `http://127.0.0.1:${proxy.ports['fe']!}/s/ok/64/0`;
    for (let i = 0; i < 3; i++) {
      const { stdout } = await run('wrk', ['-t1', '-c50', '-d1s', '--timeout', '1s', url], { timeout: 5000 });
      const m = /(\d+) requests in/.exec(stdout);
      assert.ok(m !== null && Number(m[1]) > 0, stdout);
      // wrk prints this line only when something went wrong.
      assert.doesNotMatch(stdout, /Socket errors|Non-2xx/, stdout);
      await sleep(300);
    }
    const c = await curl(url, [], { timeoutMs: 1000 });
    assert.equal(c.status, 200);
    await assertIdle(proxy, 3000);
    assertNoException(proxy);
  } finally {
    await proxy?.stop();
    await s1.close();
    await s2.close();
  }
});
