/**
 * Check scheduling: the process's check clock (one heap, one Node timer,
 * coarse ticks for periodic runs), haproxy's spreading of the first checks
 * (start_checks(), verified against haproxy 2.6: 6 checks at inter 3s start
 * at 0, 500, 1000, 1500, 2000 ms and the 6 s one at 5000 ms) and
 * `spread-checks` (±% of the interval, C integer arithmetic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_TICK_MS, CheckClock, CheckTimer } from '../../../src/server/checks/check-timers.js';
import { initialDelays, SRV_CHK_INTER_THRES } from '../../../src/server/checks/check-start.js';
import { HealthCheck } from '../../../src/server/checks/health-check.js';
import { ServerHealth } from '../../../src/server/checks/server-health.js';
import { CaptureReporter, makeServers } from '../../helpers/model-builder.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('clock: timers fire in due order, equal dues in scheduling order; cancel and reschedule', async () => {
  const clock = new CheckClock();
  const fired: string[] = [];
  const mk = (name: string): CheckTimer => new CheckTimer(() => fired.push(name));
  const a = mk('a');
  const b = mk('b');
  const c = mk('c');
  const d = mk('d');
  clock.schedule(c, 30);
  clock.schedule(a, 5);
  clock.schedule(b, 5);
  clock.schedule(d, 10);
  clock.cancel(d);
  assert.equal(d.pending, false);
  clock.schedule(d, 1); // rescheduled earlier than all
  assert.equal(clock.size, 4);
  await sleep(60);
  assert.deepEqual(fired, ['d', 'a', 'b', 'c']);
  assert.equal(clock.size, 0);
});

test('clock: coarse timers due in the same tick fire in one wakeup, fine ones at their own time', async () => {
  let now = 1000;
  const clock = new CheckClock(CHECK_TICK_MS, () => now);
  const batches: number[][] = [];
  let current: number[] | undefined;
  const timers = Array.from({ length: 8 }, (_, i) => new CheckTimer(() => {
    if (current === undefined) {
      current = [];
      batches.push(current);
      queueMicrotask(() => (current = undefined));
    }
    current.push(i);
  }));
  // Due at 1001..1008 ms: all in the tick ending at 1020.
  timers.forEach((t, i) => clock.schedule(t, i + 1, true));
  assert.ok(timers.every((t) => t.due === 1000 + CHECK_TICK_MS));
  // A fine timer keeps its exact due time.
  const fine = new CheckTimer(() => undefined);
  clock.schedule(fine, 3);
  assert.equal(fine.due, 1003);
  clock.cancel(fine);
  now = 1020;
  await sleep(40);
  assert.deepEqual(batches, [[0, 1, 2, 3, 4, 5, 6, 7]]);
});

test('clock: a timer scheduled from a firing timer with no delay runs in the same wakeup', async () => {
  const clock = new CheckClock();
  const order: string[] = [];
  const second = new CheckTimer(() => order.push('second'));
  const first = new CheckTimer(() => {
    order.push('first');
    clock.schedule(second, 0);
  });
  clock.schedule(first, 0);
  await sleep(20);
  assert.deepEqual(order, ['first', 'second']);
});

test("initial spreading: haproxy's start_checks() delays", () => {
  const c = (inter: number) => ({ nextInterval: () => inter });
  // Verified on haproxy 2.6: two backends, five checks at 3 s and one at 6 s.
  assert.deepEqual(initialDelays([c(3000), c(3000), c(3000), c(3000), c(3000), c(6000)]), [0, 500, 1000, 1500, 2000, 5000]);
  // Checks faster than SRV_CHK_INTER_THRES do not set mininter, and spread over their own interval.
  assert.deepEqual(initialDelays([c(100), c(100), c(2000), c(2000)]), [0, 500, 1000, 1500]);
  assert.deepEqual(initialDelays([c(100), c(200)]), [0, 100]);
  assert.ok(SRV_CHK_INTER_THRES === 1000);
  // max-spread-checks bounds the window.
  assert.deepEqual(initialDelays([c(10000), c(10000), c(10000), c(10000)], { maxSpreadChecks: 2000 }), [0, 500, 1000, 1500]);
  // 1,000 servers every 2 s: one start every 2 ms.
  const d = initialDelays(Array.from({ length: 1000 }, () => c(2000)));
  assert.equal(d[1], 2);
  assert.equal(d[999], 1998);
});

test('spread-checks: intervals within ±N% in C integer steps; 0 keeps the interval', () => {
  const { servers } = makeServers([1]);
  const s = servers[0]!;
  const hc = new HealthCheck(new ServerHealth(s, new CaptureReporter()), 'check', { run: () => ({ abort: () => undefined }) }, { inter: 2000 });
  assert.equal(hc.spreadInterval(2000), 2000);
  hc.start(1_000_000, 50);
  try {
    // rv = 2000 * 50 / 100 = 1000; rv -= trunc(2 * rv * random).
    hc.random = () => 0;
    assert.equal(hc.spreadInterval(2000), 3000);
    hc.random = () => 0.5;
    assert.equal(hc.spreadInterval(2000), 2000);
    hc.random = () => 0.9999999;
    assert.equal(hc.spreadInterval(2000), 1001);
    hc.random = Math.random;
    for (let i = 0; i < 1000; i++) {
      const v = hc.spreadInterval(2000);
      assert.ok(v >= 1000 && v <= 3000, String(v));
    }
  } finally {
    hc.stop();
  }
});
