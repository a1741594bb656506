/**
 * Soak: 200 servers checked every 100 ms while a random third of them flap
 * (their listener closes and reopens at random every 150–600 ms) for ~4 s,
 * then everything stays open. Checked on the real process:
 *   - the state lines are consistent: per server they alternate DOWN, UP,
 *     DOWN... (no duplicate UP or DOWN), servers that never flapped print
 *     nothing, and every server ends UP (none stuck DOWN while it answers);
 *   - the SIGHUP dump agrees once the flapping stopped;
 *   - no busy loop: the proxy's CPU time over the run stays under a very
 *     generous 60% of the wall time (measured: a few %);
 *   - no exception, and a proxied connection still works.
 * The in-process part checks that the check clock's heap does not pile up
 * timers: one per server, whatever happened (src/server/checks/check-timers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoException, client, launch, origin, procSample, sleep, stateChanges, stateDump, type Origin } from './tcp-kit.js';
import { loadConfigText } from '../../helpers/load-config.js';
import { start } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';
import { checkClock } from '../../../src/server/checks/check-timers.js';

const N = 200;

function config(ports: number[], bind: string): string {
  return [
    'global',
    '  maxconn 5000',
    'defaults',
    '  mode tcp',
    '  timeout client 2s',
    '  timeout server 2s',
    '  timeout connect 200ms',
    'listen li',
    `  bind ${bind}`,
    '  balance roundrobin',
    ...ports.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check inter 100 fall 2 rise 2`),
    '',
  ].join('\n');
}

/** A deterministic pseudo-random sequence (the test repeats the same flaps). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Flaps `idx` servers of `origins` until `ms` elapsed, then leaves every one open. */
async function flap(origins: Origin[], idx: number[], ms: number, rand: () => number): Promise<number> {
  const end = performance.now() + ms;
  let flips = 0;
  await Promise.all(idx.map(async (i) => {
    while (performance.now() < end) {
      await sleep(150 + Math.floor(rand() * 450));
      const o = origins[i]!;
      await o.close();
      flips++;
      await sleep(150 + Math.floor(rand() * 450));
      origins[i] = await origin('echo', o.port);
    }
  }));
  return flips;
}

async function makeOrigins(): Promise<Origin[]> {
  const out: Origin[] = [];
  for (let i = 0; i < N; i++) out.push(await origin('echo'));
  return out;
}

test('200 servers, a third flapping: consistent state lines, all UP after, no busy loop', { timeout: 30000 }, async () => {
  const origins = await makeOrigins();
  const p = await launch(config(origins.map((o) => o.port), '${ADDR:li}'));
  try {
    await sleep(300);
    const rand = rng(12345);
    const flappers = origins.map((_, i) => i).filter(() => rand() < 1 / 3);
    const before = procSample(p.pid);
    const flips = await flap(origins, flappers, 4000, rand);
    const during = procSample(p.pid);
    const share = (during.cpuMs - before.cpuMs) / (during.at - before.at);
    assert.ok(share < 0.6, `CPU ${Math.round(share * 100)}% of the wall time while checking`);
    assert.ok(flips > flappers.length, `flapped ${flips} times`);
    // rise 2 × inter 100 plus the check clock's 20 ms grid; generous.
    const deadline = Date.now() + 4000;
    let dump = await stateDump(p);
    while ([...dump.servers.values()].some((s) => !s.up) && Date.now() < deadline) {
      await sleep(100);
      dump = await stateDump(p);
    }
    const down = [...dump.servers].filter(([, s]) => !s.up).map(([n]) => n);
    assert.deepEqual(down, [], 'servers stuck DOWN while they answer');
    const changes = stateChanges(p);
    const flapNames = new Set(flappers.map((i) => `li/s${i + 1}`));
    let transitions = 0;
    for (const [name, l] of changes) {
      assert.ok(flapNames.has(name), `${name} never flapped but changed state: ${l.join(',')}`);
      l.forEach((st, i) => assert.equal(st, i % 2 === 0 ? 'DOWN' : 'UP', `${name}: ${l.join(',')}`));
      assert.equal(l.at(-1), 'UP', `${name} ends UP`);
      transitions += l.length;
    }
    assert.ok(transitions > 0, 'no state change seen at all');
    const r = await client(p.ports['li']!, { send: Buffer.from('ok') });
    assert.equal(r.data.toString(), 'ok');
    assertNoException(p);
  } finally {
    await p.stop();
    for (const o of origins) await o.close();
  }
});

test('in process: the check clock holds one timer per server after flapping', { timeout: 30000 }, async () => {
  const origins = await makeOrigins();
  const base = checkClock.size;
  const r = loadConfigText(config(origins.map((o) => o.port), `127.0.0.1:${await freePort()}`));
  const p = r.alerts.length === 0 ? await start(r.model) : undefined;
  try {
    assert.deepEqual(r.alerts, []);
    if (p === undefined) return;
    await sleep(300);
    const rand = rng(777);
    const flappers = origins.map((_, i) => i).filter(() => rand() < 1 / 3);
    const sizes: number[] = [];
    const sampler = setInterval(() => sizes.push(checkClock.size - base), 50);
    await flap(origins, flappers, 3000, rand);
    clearInterval(sampler);
    // At most a next-run timer and a running check's timeout per server.
    assert.ok(Math.max(...sizes) <= 2 * N, `check clock heap grew to ${Math.max(...sizes)}`);
    const be = p.runtime.backends.get('li')!;
    const deadline = Date.now() + 4000;
    while (be.servers.some((s) => !s.usable) && Date.now() < deadline) await sleep(50);
    assert.deepEqual(be.servers.filter((s) => !s.usable).map((s) => s.name), [], 'stuck DOWN');
    assert.equal(be.activeCount, N);
    for (const s of be.servers) assert.ok(s.lb.active && s.lb.heap >= 0, `${s.name} back in the balancer`);
    assert.ok(checkClock.size - base <= 2 * N, `check clock heap ${checkClock.size - base}`);
  } finally {
    await p?.stop();
    for (const o of origins) await o.close();
  }
  // Stopping the proxy unschedules every check.
  assert.equal(checkClock.size, base, 'timers left on the check clock after stop');
});
